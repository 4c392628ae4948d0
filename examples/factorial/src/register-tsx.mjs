// Preloaded in each scheduler thread, so that this example's TypeScript actors load there.
import { register } from 'tsx/esm/api';

register();
