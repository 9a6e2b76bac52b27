/**
 * The relay boundary's name, alone: the relay (src/capture/relay.ts) sends without the RPC client, and
 * importing it from relay-rpc.ts would bundle that file's schemas into every captured page.
 */
export const RELAY_BOUNDARY = 'relay';
