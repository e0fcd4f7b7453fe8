// torch.device
export type DeviceType = 'cpu' | 'cuda' | 'meta' | 'mps';

export class device {
  readonly type: DeviceType;
  readonly index: number | null;

  /** device('cuda:1'), device('cuda', 1), device('cpu'). */
  constructor(type: string | device, index?: number | null) {
    if (type instanceof device) {
      this.type = type.type;
      this.index = type.index;
      return;
    }
    if (typeof type !== 'string') throw new TypeError(`device(): expected a string such as 'cpu' or 'cuda:0', got ${typeof type}`);
    const m = /^(cpu|cuda|meta|mps)(?::(\d+))?$/.exec(type);
    if (!m) {
      throw new Error(`Expected one of cpu, cuda, meta, mps device type at start of device string: ${type}`);
    }
    if (m[2] !== undefined && index !== undefined && index !== null) {
      throw new Error(`type (string) must not include an index because index was passed explicitly: ${type}`);
    }
    this.type = m[1] as DeviceType;
    const idx = m[2] !== undefined ? Number(m[2]) : index ?? null;
    if (idx !== null && (!Number.isInteger(idx) || idx < 0)) throw new Error(`Device index must not be negative, got ${idx}`);
    this.index = idx;
  }

  toString(): string {
    return this.index === null ? this.type : `${this.type}:${this.index}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.index === null ? `device(type='${this.type}')` : `device(type='${this.type}', index=${this.index})`;
  }

  equals(other: device | string): boolean {
    const o = typeof other === 'string' ? new device(other) : other;
    return o.type === this.type && o.index === this.index;
  }
}

export type DeviceLike = device | string;
