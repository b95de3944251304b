// Requests waiting for an upstream connection, in arrival order. A doubly linked list so that a
// waiter whose downstream went away leaves from the middle in O(1); the entry returned by push()
// is the handle for that. Bound to a ResourceLimits, the queue holds one 'pending' unit per waiter,
// so its length is the upstream_rq_pending_active gauge and max_pending_requests bounds it.
import type { ResourceLimits } from './limits.ts';

/** A place in the queue; pass it to remove() when the waiter gives up. */
export interface PendingEntry<T> {
  readonly value: T;
  /** Still waiting (not yet shifted or removed). */
  readonly queued: boolean;
}

class Node<T> implements PendingEntry<T> {
  prev: Node<T> | undefined = undefined;
  next: Node<T> | undefined = undefined;
  owner: PendingQueue<T> | undefined;

  constructor(
    readonly value: T,
    owner: PendingQueue<T>,
  ) {
    this.owner = owner;
  }

  get queued(): boolean {
    return this.owner !== undefined;
  }
}

export class PendingQueue<T> {
  private head: Node<T> | undefined;
  private tail: Node<T> | undefined;
  private count = 0;

  /** Without limits the queue is unbounded. */
  constructor(private readonly limits?: ResourceLimits) {}

  get length(): number {
    return this.count;
  }

  /**
   * Queues `value` at the tail. Returns its entry, or undefined when max_pending_requests is
   * reached (the overflow is counted; answer 503 UO).
   */
  push(value: T): PendingEntry<T> | undefined {
    if (this.limits && this.limits.tryAcquire('pending') !== undefined) return undefined;
    const node = new Node(value, this);
    if (this.tail) {
      this.tail.next = node;
      node.prev = this.tail;
    } else {
      this.head = node;
    }
    this.tail = node;
    this.count++;
    return node;
  }

  /** The oldest waiter, without removing it. */
  peek(): T | undefined {
    return this.head?.value;
  }

  /** Takes the oldest waiter out (a connection is ready for it). */
  shift(): T | undefined {
    const node = this.head;
    if (!node) return undefined;
    this.unlink(node);
    return node.value;
  }

  /** Takes a waiter out wherever it is (its downstream request was cancelled). False if it had left. */
  remove(entry: PendingEntry<T>): boolean {
    const node = entry as Node<T>;
    if (node.owner !== this) return false;
    this.unlink(node);
    return true;
  }

  /** Empties the queue, oldest first, e.g. to fail every waiter when the cluster goes away. */
  drain(): T[] {
    const out: T[] = [];
    for (let node = this.head; node; node = this.head) {
      this.unlink(node);
      out.push(node.value);
    }
    return out;
  }

  private unlink(node: Node<T>): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = undefined;
    node.next = undefined;
    node.owner = undefined;
    this.count--;
    this.limits?.release('pending');
  }
}
