/**
 * Prints one plain closing line that CI harnesses can read, `N passed, N failed, N skipped`, and,
 * when tests were skipped, how many in each project, so a suite that quietly stopped running
 * (machine suites on a host that cannot run them) shows in the summary.
 */
import type { Reporter, TestModule, TestRunEndReason } from "vitest/node";

export function summaryLine(
  modules: ReadonlyArray<TestModule>,
  errors: number,
  reason: TestRunEndReason = "passed",
): string {
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
  // A run that failed before any test (a global setup refusing the host) is not "0 failed".
  if (reason === "failed" && failed === 0) failed = 1;
  const total = [...skipped.values()].reduce((a, b) => a + b, 0);
  const perProject = [...skipped].map(([project, n]) => `${project || "default"} ${n}`).join(", ");
  return `${passed} passed, ${failed} failed, ${total} skipped${total > 0 ? ` (${perProject})` : ""}`;
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    errors: ReadonlyArray<unknown>,
    reason: TestRunEndReason,
  ): void {
    process.stdout.write(`\n${summaryLine(modules, errors.length, reason)}\n`);
  }
}
