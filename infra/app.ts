// The CDK app: `npx cdk synth|deploy -c stage=dev|prod`. See infra/stack.ts.
import { createApp } from './stack.ts';

createApp().app.synth();
