/** ISOLATED world, document_start: pairs with the hook and holds its messages for relay.ts (inbox.ts). */
import { openInbox } from './inbox';

openInbox();
