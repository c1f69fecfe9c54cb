// CommonJS: serverless-esbuild loads this file with `require` (serverless.yml, custom.esbuild.plugins).
const { build } = require('esbuild');
const { dirname, join, relative, resolve } = require('node:path');

/**
 * The X-Ray SDK, through Powertools Tracer (shared/tracing.ts), is a file of its own in the zip of every
 * route that changes state: `functions/_lazy/tracing.mjs`, which the route imports on its first sampled
 * request (shared/http/traced-handler.ts). Bundled inline, esbuild makes the dynamic `import()` a lazily
 * *evaluated* module, but Node still compiles all of it with the handler at every cold start: 10–13 ms
 * of a write route's ~110 (decisions.md, entry 57), for requests X-Ray mostly does not sample.
 * All of a stage's functions share one build folder, so the file is built once there, and each zip
 * takes it or leaves it by its function's route (scripts/deploy/operations-plugin.mjs,
 * `zipOnlyWhatEachFunctionLoads`).
 */
const XRAY_MODULE = 'shared/tracing.ts';
/** Where the file lands, relative to the build folder (and to a zip's root). */
const XRAY_FILE = 'functions/_lazy/tracing.mjs';

/** One build of the file per build folder at a time, shared by the functions' builds that run together. */
const lazyBuilds = new Map();

/**
 * @param {import('esbuild').BuildOptions} functionOptions
 * @param {string} buildFolder
 * @param {string} xrayModule
 */
function buildXRayFile(functionOptions, buildFolder, xrayModule) {
  let pending = lazyBuilds.get(buildFolder);
  if (!pending) {
    const { entryPoints, outdir, outExtension, plugins, metafile, ...options } = functionOptions;
    pending = build({ ...options, entryPoints: [xrayModule], outfile: join(buildFolder, XRAY_FILE) }).finally(
      () => lazyBuilds.delete(buildFolder),
    );
    lazyBuilds.set(buildFolder, pending);
  }
  return pending;
}

/**
 * @param {string} root the service's folder, which serverless-esbuild's entry points are relative to
 * @returns {import('esbuild').Plugin}
 */
const xrayInItsOwnFile = (root) => ({
  name: 'xray-in-its-own-file',
  setup(pluginBuild) {
    const xrayModule = resolve(root, XRAY_MODULE);
    const options = pluginBuild.initialOptions;
    // serverless-esbuild builds one entry at a time, into `<build folder>/<the entry's folder>`
    const entries = Array.isArray(options.entryPoints) ? options.entryPoints : [];
    if (entries.length !== 1 || typeof entries[0] !== 'string' || !options.outdir) {
      throw new Error(
        'xray-in-its-own-file expects one entry point and an outdir per build (serverless-esbuild)',
      );
    }
    const outdir = options.outdir;
    const entryFolder = resolve(root, dirname(entries[0]));
    const buildFolder = resolve(outdir, relative(entryFolder, root));
    let importsXRay = false;

    pluginBuild.onStart(() => {
      importsXRay = false;
    });
    pluginBuild.onResolve({ filter: /[/\\]tracing\.js$/ }, (args) => {
      if (resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) !== xrayModule) return undefined;
      if (args.kind !== 'dynamic-import') {
        return {
          errors: [
            {
              text: `${relative(root, args.importer)} imports shared/tracing.ts statically: only a dynamic import() keeps the X-Ray SDK out of the cold start`,
            },
          ],
        };
      }
      importsXRay = true;
      const fromOutput = relative(outdir, join(buildFolder, XRAY_FILE)).split('\\').join('/');
      return { path: fromOutput.startsWith('.') ? fromOutput : `./${fromOutput}`, external: true };
    });
    pluginBuild.onEnd(async (result) => {
      if (result.errors.length > 0 || !importsXRay) return;
      const xray = await buildXRayFile(options, buildFolder, xrayModule);
      result.errors.push(...xray.errors);
      result.warnings.push(...xray.warnings);
    });
  },
});

/**
 * serverless-esbuild calls this with the Serverless instance, for every build it runs.
 * @param {{ config: { servicePath: string } }} serverless
 */
module.exports = (serverless) => [xrayInItsOwnFile(serverless.config.servicePath)];
module.exports.XRAY_FILE = XRAY_FILE;
