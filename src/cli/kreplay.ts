#!/usr/bin/env node
// The `kreplay` binary.
import { hideBin } from 'yargs/helpers';
import { main } from './main.js';

await main(hideBin(process.argv));
