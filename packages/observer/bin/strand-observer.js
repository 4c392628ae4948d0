#!/usr/bin/env node
// The installed command: a file that exists before the build, so that npm links it at install time.
import '../dist/bin.js';
