"""Who a caller is, for every front door: the one place authentication lives.

- `signatures`: signed IS24 requests (OAuth 1.0a, HMAC-SHA1) and their nonces;
  `oauth1`: the OAuth 1.0a token steps (request token, confirm access, access token) and the
  validator both use.
- `bearer`: the Realty Image API's bearer tokens.
- `web_sessions`: the web page's session cookie and CSRF token, which both dialects accept too.
- `callers`: what each dialect asks: the principal of one of its requests, from whichever of these
  it carries.

The dialects only call these; none reads a credential itself.
"""
