import { describe, expect, it } from 'vitest';
import { successorsByLoad } from '../src/placement.js';

describe('placement of a server leaving its node', () => {
  it('ranks the nodes with fewer movable servers first', () => {
    expect(successorsByLoad(new Map([[2, 5], [3, 1], [4, 3]]))).toEqual([3, 4, 2]);
  });

  it('breaks ties with the lowest node number', () => {
    expect(successorsByLoad(new Map([[9, 2], [4, 2], [7, 0], [5, 2]]))).toEqual([7, 4, 5, 9]);
  });

  it('has no candidate when no other node answered', () => {
    expect(successorsByLoad(new Map())).toEqual([]);
  });
});
