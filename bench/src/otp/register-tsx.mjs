// Preloaded in each scheduler thread of the restart benchmark (src/otp/restart.ts), so that its
// TypeScript actors load there. tsx turns Node's source-map support on, which makes reading an
// Error's stack (every crash does) several times dearer; a compiled app runs without it, so it is
// turned off again unless STRAND_BENCH_SOURCE_MAPS=1 (the main thread does the same).
import { register } from 'tsx/esm/api';

register();
process.setSourceMapsEnabled(process.env.STRAND_BENCH_SOURCE_MAPS === '1');
