/**
 * @strand/core/runtime: what a multi-threaded runtime (such as @strand/pool)
 * plugs into a `Scheduler`. Not needed by application code.
 */
export { findActor, haltedAtEntryPoint, importModule, loadActor, onActorDefined, type ActorListener } from './actor.js';
export { assertCloneable } from './cloneable.js';
export { NODE_SLOTS, SCHEDULER_SLOTS, allocatorOf, nodeOf, ownerOf, serialOf } from './pid.js';
export { Registry, type NameRegistry } from './registry.js';
export type { Batch, Envelope, MessageEnvelope, Placement, Router, Signal, SpawnEnvelope } from './signal.js';
export * from './status-board.js';
