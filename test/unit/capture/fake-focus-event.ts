/** Node has no FocusEvent: the pairing's announcement carries its target in `relatedTarget` (channel.ts). */
export class FakeFocusEvent extends Event {
  relatedTarget: EventTarget | null;
  constructor(type: string, init: { relatedTarget?: EventTarget; cancelable?: boolean } = {}) {
    super(type, { cancelable: init.cancelable ?? false });
    this.relatedTarget = init.relatedTarget ?? null;
  }
}
