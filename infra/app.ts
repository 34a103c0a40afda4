// The CDK app: `npx cdk synth|deploy -c stage=dev|prod`. See infra/stack.ts.
// The app is first built without bundling, only to learn its handlers; they are then bundled in one
// esbuild run (infra/constructs/bundling.ts), and the app built again stages those bundles.
import { discardPrebundles, prebundleHandlers } from './constructs/bundling.ts';
import { PROJECT_ROOT, ServiceFunction } from './constructs/service-function.ts';
import { createApp } from './stack.ts';

const outline = createApp({ skipBundling: true }).app;
const entries = outline.node
  .findAll()
  .flatMap((node) => (node instanceof ServiceFunction ? [node.entry] : []));
try {
  // Into the cloud assembly folder (the CLI gives both apps the same one), beside the bundling
  // folders CDK moves them into.
  await prebundleHandlers(entries, outline.outdir, PROJECT_ROOT);
  createApp().app.synth();
} finally {
  discardPrebundles();
}
