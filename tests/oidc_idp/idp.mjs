// A real OpenID Connect provider for the single sign-on tests (tests/test_sso.py).
//
// node-oidc-provider, certified by the OpenID Foundation, with its development login
// screens: any password signs in the account named in the login field. Accounts are
// email addresses; one whose local part starts with "unverified" has email_verified
// false. Configuration comes from the environment:
//   PORT       the port to listen on (127.0.0.1)
//   CLIENTS    JSON list of {client_id, client_secret, redirect_uris}
//   MISBEHAVE  empty, or one of "aud", "iss", "exp": the token endpoint then hands out an
//              ID token with a wrong audience, a wrong issuer or one that expired an hour
//              ago, re-signed with the provider's own key, as a broken or hostile
//              provider would. The tests prove the app refuses each.
import { generateKeyPair, exportJWK, SignJWT, decodeJwt } from "jose";
import Provider from "oidc-provider";

const port = Number(process.env.PORT || 9400);
const issuer = `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.CLIENTS || "[]").map((c) => ({
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
  post_logout_redirect_uris: c.post_logout_redirect_uris || [],
  ...c,
}));
const misbehave = process.env.MISBEHAVE || "";

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: "test-key", alg: "RS256", use: "sig" };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  pkce: { required: () => false },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ["test-only-cookie-key"] },
  async findAccount(ctx, id) {
    // The address as typed, capitals and all, as some providers hand it out.
    const email = id;
    return {
      accountId: id,
      async claims() {
        return {
          sub: `sub-${email}`,
          email,
          email_verified: !email.toLowerCase().startsWith("unverified"),
          name: email.split("@")[0],
        };
      },
    };
  },
});
provider.proxy = false;

if (misbehave) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== "/token" || ctx.status !== 200 || !ctx.body?.id_token) return;
    const claims = decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (misbehave === "aud") claims.aud = "some-other-client";
    if (misbehave === "iss") claims.iss = "http://evil.example";
    if (misbehave === "exp") { claims.iat = now - 7200; claims.exp = now - 3600; }
    ctx.body = {
      ...ctx.body,
      id_token: await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "test-key" })
        .sign(privateKey),
    };
  });
}

provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
