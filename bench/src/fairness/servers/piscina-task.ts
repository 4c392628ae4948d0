/** The Piscina peer's task: n! in a worker thread (the same loop as the plain peer). */
import { type Answer, factorial } from './factorial.js';

export default function task({ n }: { n: number }): Answer {
  return factorial(n);
}
