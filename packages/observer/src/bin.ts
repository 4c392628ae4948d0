#!/usr/bin/env node
// `strand-observer ps|top|info|kill|tree|reload`: the same commands as `strand ps …` (@strand/cli), under the name scripts already use.
import { runObserverCommand } from './command.js';

process.exitCode = await runObserverCommand(process.argv.slice(2), 'strand-observer');
