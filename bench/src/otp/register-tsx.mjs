// Preloaded in each scheduler thread of the restart benchmark (src/otp/restart.ts), so that its TypeScript actors load there.
import { register } from 'tsx/esm/api';

register();
