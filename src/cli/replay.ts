#!/usr/bin/env node
// The `replay` binary: `replay TRACE ...` is `kreplay replay TRACE ...`.
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

await main(['replay', ...hideBin(process.argv)]);
