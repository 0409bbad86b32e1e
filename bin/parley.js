#!/usr/bin/env -S node --v8-pool-size=1
// The same Node flags as `npm start` (a test keeps them equal); why one V8 helper thread: ADR 7.
import '../dist/main.js';
