/** Usage texts of the commands main.ts loads on demand (its --help must not load them). */

export const SEAL_USAGE = `keyhole seal --key <hex|base64> [--aad <sessionId>] [--form binary|json] [--type 2|129] [FILE|-]
    Encrypt a plaintext (FILE or stdin) into an envelope on stdout — the inverse of decrypt.
      --key, -k   the 32-byte AES key (request key for type 2, response key for 129)
      --aad       seal with UTF-8(sessionId) as additional authenticated data (default: none)
      --form      binary (default; raw bytes) | json ({"v":2,"p":…})
      --type      binary type: 2 (request, default) | 129 (response)
`;

export const SEND_USAGE = `keyhole send [options] METHOD PATH [--data JSON|@FILE|-]
    Send one SCv2 request: handshake, seal, send, decrypt, print the answer as JSON.
      --api URL            API base (default http://127.0.0.1:18020/prometheus)
      --portal P           system | tenant | consumer | partner (default system)
      --mode M             local | test | production (default local: adds the Cloudflare simulation headers)
      --client-hash H      X-Client-Hash (default: the --sc-session file's, else a new random one)
      --portal-code C      X-PORTAL-ACCESS-CODE
      --locale L           en | zh | zh-Hant | ja | vi
      --access-token T     Authorization: Bearer T
      --form F             binary (type 2, default) | json ({"v":2,"p":…})
      --aad A              none (default) | session-id
      --data, -d D         the plaintext body: JSON text, @FILE, or - for stdin (default {} unless GET/HEAD)
      --header, -H "N: V"  an extra request header (repeatable)
      --sc-session FILE    keep and reuse the SC session (keys; created with mode 0600)
      -i, --include        print the status line and response headers first
      --raw                print the answer's body bytes as received (the envelope), not decrypted
    Exit status: 0 when the answer has success:true, 1 otherwise (the server's code on stderr).
`;

export const HAR_USAGE = `keyhole har decrypt IN.har [--private-key PEM] [--key SESSION:REQ:RESP]... [--no-redact] [-o OUT.har]
    Decrypt every SCv2 exchange of a HAR (keys from its own handshakes with --private-key, and from
    --key) and write a HAR with the plaintexts under _keyhole; stdout when -o is missing or "-".
      --private-key PEM   the gateway's RSA private key: a PEM file, or --private-key="$(cat key.pem)"
      --key S:REQ:RESP    an SC session's keys (hex or base64; leave REQ or RESP empty if unknown)
      --no-redact         keep tokens, passwords and codes, and embed the session keys
      -o, --output FILE   where to write the HAR
    Progress and a summary go to stderr.
`;
