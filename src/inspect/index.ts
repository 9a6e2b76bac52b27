/** The traffic inspection model (pure; see docs/contracts.md "Traffic inspection model"). */
export * from './exchange';
export * from './keyring';
export * from './learn-keys';
export * from './decrypt-exchange';
export * from './classify';
export * from './har';
export * from './redact';
