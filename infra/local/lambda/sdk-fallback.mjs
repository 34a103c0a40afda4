// The AWS SDK on the module path of an execution environment, as Lambda's Node.js runtimes ship it: a
// `@aws-sdk/*` package that the function's own folders cannot resolve is resolved from the project's
// node_modules (found by sdk-path.ts). The function's own copy, when it has one, comes first, as on AWS.
// `require` goes through the CommonJS resolver, wrapped here; `import` through a resolution hook, in
// the worker's thread where Node.js has `registerHooks`, else on a hooks thread (`register`).
import { Module } from 'node:module';
import { pathToFileURL } from 'node:url';

const SDK_PREFIX = '@aws-sdk/';

function fallsBack(error, specifier) {
  const code = error?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && specifier.startsWith(SDK_PREFIX);
}

/** Makes `@aws-sdk/*` resolvable from `base` (a folder with the SDK in its node_modules) in this thread. */
export function installSdkFallback(base) {
  const baseUrl = pathToFileURL(`${base}/`).href;
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function resolveWithSdk(request, parent, isMain, options) {
    try {
      return resolveFilename.call(this, request, parent, isMain, options);
    } catch (error) {
      if (!fallsBack(error, request)) throw error;
      try {
        return resolveFilename.call(this, request, parent, isMain, { paths: [base] });
      } catch {
        throw error;
      }
    }
  };
  if (typeof Module.registerHooks === 'function') {
    Module.registerHooks({
      resolve(specifier, context, nextResolve) {
        try {
          return nextResolve(specifier, context);
        } catch (error) {
          if (!fallsBack(error, specifier)) throw error;
          try {
            return nextResolve(specifier, { ...context, parentURL: baseUrl });
          } catch {
            throw error;
          }
        }
      },
    });
  } else {
    Module.register(import.meta.url, { data: { baseUrl } });
  }
}

// The hooks of `register`, which run on the hooks thread: the same fallback, asynchronous.
let fallbackParentUrl;

export function initialize(data) {
  fallbackParentUrl = data.baseUrl;
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (!fallsBack(error, specifier) || !fallbackParentUrl) throw error;
    try {
      return await nextResolve(specifier, { ...context, parentURL: fallbackParentUrl });
    } catch {
      throw error;
    }
  }
}
