// Preloaded in each scheduler thread of the Strand server, so that the TypeScript handlers load there.
import { register } from 'tsx/esm/api';

register();
