// A real OpenID provider for the tests: the certified oidc-provider package (package.json),
// run with the machine's Node.js by tests/oidc/provider.py, on 127.0.0.1.
//
// The test suite passes its settings as JSON in OIDC_TEST_SETTINGS:
//   port, clientId, clientSecret, redirectUris, postLogoutRedirectUris,
//   idTokenSeconds   the ID token's lifetime (the expiry test makes it short),
//   tokenDelayMs     how long the token endpoint waits after issuing tokens before answering
//                    (a slow network between the provider and the service),
//   wrongNonce       the ID token carries another nonce than the one asked for (a faulty or
//                    hostile provider, or a token made for another login attempt).
// It prints "listening <issuer>" once it serves; the accounts are below (the development
// interactions ask for a login, any password, then a consent).
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_SETTINGS || '{}');
const port = settings.port || 0;
const issuer = `http://127.0.0.1:${port}`;

// Claims as the providers the service meets give them: a verified address, a name, an RPPS
// number in Pro Santé Connect's national identifier (8 then the eleven digits), and the
// establishment's FINESS number and groups as a hospital directory would.
const ACCOUNTS = {
  'alice': {
    email: 'alice@chu-test.example', email_verified: true, name: 'Alice Martin',
    given_name: 'Alice', family_name: 'Martin',
    SubjectNameID: '810003456786', finess: '750000010', groups: ['pharmacie'],
  },
  'bob': {
    email: 'bob@chu-test.example', email_verified: true, name: 'Bob Durand',
    given_name: 'Bob', family_name: 'Durand',
    SubjectNameID: '810003456794', finess: '750000010', groups: ['urgences'],
  },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: settings.clientId || 'vigilance',
    client_secret: settings.clientSecret || 'vigilance-test-secret',
    redirect_uris: settings.redirectUris || [],
    post_logout_redirect_uris: settings.postLogoutRedirectUris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'vigilance'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    vigilance: ['SubjectNameID', 'finess', 'groups'],
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: {
    IdToken: settings.idTokenSeconds || 600,
    AccessToken: 600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  cookies: { keys: ['vigilance-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const claims = ACCOUNTS[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

if (settings.wrongNonce) {
  // The ID token's nonce is not the one the client sent with its authorization request.
  const { IdToken } = provider;
  const set = IdToken.prototype.set;
  IdToken.prototype.set = function setWithAnotherNonce(key, value) {
    return set.call(this, key, key === 'nonce' && value ? `another-${value}` : value);
  };
}

if (settings.tokenDelayMs) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token') {
      await new Promise((resolve) => { setTimeout(resolve, settings.tokenDelayMs); });
    }
  });
}

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
process.on('SIGTERM', () => { server.close(); process.exit(0); });
