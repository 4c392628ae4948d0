/**
 * Placement of a server that moves off a leaving node: which live node
 * takes it. The rule: the node with the fewest movable servers (counting
 * those this handoff already sent it), ties to the lowest node number. It
 * spreads a leaving node's servers over the others instead of piling them
 * on one, and every node that knows the same counts picks the same node.
 */

/** Candidate nodes, best first, from each one's count of movable servers. */
export function successorsByLoad(movable: ReadonlyMap<number, number>): number[] {
  return [...movable].sort(([nodeA, a], [nodeB, b]) => a - b || nodeA - nodeB).map(([node]) => node);
}
