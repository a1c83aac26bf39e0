/**
 * Prints one plain closing line that CI harnesses can read, `N passed, N failed, N skipped`, and,
 * when tests were skipped, how many in each project, so a suite that quietly stopped running
 * (machine suites on a host that cannot run them) shows in the summary.
 */
import type { Reporter, TestModule } from "vitest/node";

export function summaryLine(modules: ReadonlyArray<TestModule>, errors: number): string {
  let passed = 0;
  let failed = errors;
  const skipped = new Map<string, number>();
  for (const m of modules) {
    const tests = [...m.children.allTests()];
    // A file that failed outside its tests (import, beforeAll) counts once, even when its tests
    // show as skipped.
    if (m.state() === "failed" && !tests.some((t) => t.result().state === "failed")) failed++;
    for (const t of tests) {
      const s = t.result().state;
      if (s === "passed") passed++;
      else if (s === "failed") failed++;
      else skipped.set(m.project.name, (skipped.get(m.project.name) ?? 0) + 1);
    }
  }
  const total = [...skipped.values()].reduce((a, b) => a + b, 0);
  const perProject = [...skipped].map(([project, n]) => `${project || "default"} ${n}`).join(", ");
  return `${passed} passed, ${failed} failed, ${total} skipped${total > 0 ? ` (${perProject})` : ""}`;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    process.stdout.write(`\n${summaryLine(modules, errors.length)}\n`);
  }
}
