#!/usr/bin/env node
// `helpdesk` through npm exec / bin: runs the TypeScript entry point with tsx.
import { register } from 'tsx/esm/api';
register();
await import('./helpdesk.ts');
