/** `spuff image build|list|rm`: the local provider's machine images (under SPUFF_DATA_DIR). */
import type { Deps } from "../cli/deps.ts";
import { NotFoundError, UsageError } from "../core/errors.ts";
import { printJson, renderTable } from "../core/io.ts";
import { buildImage, DISTROS, type Distro, listImages, readImage, removeImage } from "../machines/image.ts";
import { machineLayout } from "../machines/layout.ts";

export interface ImageBuildOptions {
  distro?: string;
  force?: boolean;
  mirror?: string;
}

export async function runImageBuild(deps: Deps, opts: ImageBuildOptions): Promise<void> {
  const distro = opts.distro ?? "debian-12";
  if (!(distro in DISTROS)) {
    throw new UsageError(`Unknown distro ${JSON.stringify(distro)}.`, {
      hint: `Available: ${Object.keys(DISTROS).join(", ")}.`,
    });
  }
  const layout = machineLayout(deps.paths.dataDir);
  const exists = readImage(layout, distro) !== undefined;
  if (!deps.json && (!exists || opts.force)) {
    deps.io.err.write(`Building image ${distro} from Debian's packages (about 2–3 minutes)…\n`);
  }
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  try {
    const r = await buildImage(layout, {
      distro: distro as Distro,
      force: opts.force,
      mirror: opts.mirror ?? deps.env.SPUFF_DEBIAN_MIRROR,
      signal: abort.signal,
      onOutput: (line) => deps.log.debug(line),
    });
    if (deps.json)
      return printJson(deps.io, { ...r.manifest, built: r.built, path: layout.imageDir(distro) });
    deps.io.out.write(
      r.built
        ? `Built image ${distro} in ${r.manifest.buildSeconds} s: ${layout.imageDir(distro)}\n`
        : `Image ${distro} is already built (${r.manifest.createdAt}); use --force to rebuild it.\n`,
    );
  } finally {
    process.off("SIGINT", onSigint);
  }
}

export async function runImageList(deps: Deps): Promise<void> {
  const images = listImages(machineLayout(deps.paths.dataDir));
  if (deps.json) return printJson(deps.io, images);
  if (images.length === 0) {
    deps.io.err.write("No images. Build one with: spuff image build\n");
    return;
  }
  deps.io.out.write(
    renderTable(
      ["NAME", "KIND", "BASE", "CREATED"],
      images.map((i) => [i.name, i.kind, i.base ?? "-", i.createdAt]),
    ),
  );
}

export async function runImageRm(deps: Deps, name: string): Promise<void> {
  const layout = machineLayout(deps.paths.dataDir);
  if (!readImage(layout, name)) throw new NotFoundError("Image", name, { hint: "See: spuff image list" });
  removeImage(layout, name);
  if (deps.json) return printJson(deps.io, { name, removed: true });
  deps.io.out.write(`Removed image ${name}\n`);
}
