// A real OpenID Connect provider for the sign-in tests: npm's oidc-provider (the certified
// reference implementation) with its own development login and consent pages.
//
// The test fixture (tests/oidc_provider.py) starts it and controls it through a JSON file,
// HMS_OIDC_STATE, read at every use:
//   {"accounts": {"<sub>": {"name": ..., "email": ..., "email_verified": ...,
//                            "https://n.feide.no/claims/eduPersonPrincipalName": ...}},
//    "id_token": {"aud": "...", "exp_offset": -120}}   // optional: re-sign the ID token
// The login page takes the sub as "login" (any password). "id_token" makes the token endpoint
// re-sign its ID token with the provider's own key and these changes, so the tests can check
// that the app refuses a wrong audience or an expired token the provider really published.
//
// Environment: HMS_OIDC_PORT, HMS_OIDC_STATE, HMS_OIDC_CLIENTS (JSON list of client metadata).
// Prints "READY <issuer>" once it listens on 127.0.0.1.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const port = Number(process.env.HMS_OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const readState = () => JSON.parse(readFileSync(process.env.HMS_OIDC_STATE, 'utf8'));

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: JSON.parse(process.env.HMS_OIDC_CLIENTS),
  jwks: { keys: [signingKey] },
  cookies: { keys: ['hms-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name'],
    email: ['email', 'email_verified'],
    'userid-feide': ['https://n.feide.no/claims/eduPersonPrincipalName'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  async findAccount(ctx, sub) {
    const account = readState().accounts[sub];
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { ...account, sub }; } };
  },
});

provider.use(async (ctx, next) => {
  await next();
  const changes = ctx.path === '/token' && ctx.body && ctx.body.id_token && readState().id_token;
  if (!changes) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  if (changes.aud) claims.aud = changes.aud;
  if (changes.exp_offset !== undefined) {
    claims.exp = Math.floor(Date.now() / 1000) + changes.exp_offset;
    claims.iat = claims.exp - 60;
  }
  ctx.body.id_token = await new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: signingKey.kid })
    .sign(privateKey);
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
