/**
 * What each node serves: the factorial demo's routes (`GET /factorial?n=N`,
 * `GET /progress`, imported from examples/factorial, not copied) and the
 * session counter's (sessions.ts).
 */
import { router } from '@strand/http';
import { Factorial, Progress } from '@strand/example-factorial/src/app.js';
import { SessionIncrement, SessionRead } from './sessions.js';

export const routes = router()
  .get('/factorial', Factorial)
  .get('/progress', Progress)
  .post('/session/:name/inc', SessionIncrement)
  .get('/session/:name', SessionRead);
