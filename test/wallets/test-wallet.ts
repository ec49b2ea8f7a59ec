// A minimal OpenID4VCI 1.0 wallet written against the specification, not against Laurel's code: it
// takes an offer link, reads the issuer's metadata, redeems the pre-authorized code, fetches a
// c_nonce, proves possession of its own did:key (Ed25519) and stores what it receives.
import { generateKeyPair, exportJWK, SignJWT } from 'jose';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface HttpResponse {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** How the wallet reaches the issuer: absolute URLs, like a real wallet (tests route them to the app). */
export interface WalletHttp {
  get(url: string, headers?: Record<string, string>): Promise<HttpResponse>;
  postForm(url: string, form: Record<string, string>): Promise<HttpResponse>;
  postJson(url: string, body: unknown, headers?: Record<string, string>): Promise<HttpResponse>;
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes: Uint8Array): string {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

export interface StoredCredential {
  configurationId: string;
  format: string;
  credential: any;
}

export class TestWallet {
  readonly stored: StoredCredential[] = [];

  private constructor(readonly did: string, private readonly privateKey: PrivateKey) {}

  static async create(): Promise<TestWallet> {
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const jwk = await exportJWK(publicKey);
    const raw = Buffer.from(jwk.x!, 'base64url');
    // did:key: multibase base58btc of the multicodec ed25519-pub (0xed 0x01) + the raw key.
    return new TestWallet(`did:key:z${base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw]))}`, privateKey);
  }

  get kid(): string {
    return `${this.did}#${this.did.slice('did:key:'.length)}`;
  }

  /** A key proof (OpenID4VCI 1.0 appendix F.1) with chosen claims, for honest and dishonest requests alike. */
  async proof(claims: { aud: string; nonce?: string; iat?: number }, header: Record<string, unknown> = {}): Promise<string> {
    const jwt = new SignJWT({ ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }) })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid: this.kid, ...header })
      .setAudience(claims.aud)
      .setIssuedAt(claims.iat ?? Math.floor(Date.now() / 1000));
    return jwt.sign(this.privateKey);
  }

  /** Follows an `openid-credential-offer://` link: fetches the offer by reference and the metadata. */
  async readOffer(http: WalletHttp, link: string) {
    const url = new URL(link);
    if (url.protocol !== 'openid-credential-offer:') throw new Error(`not an offer link: ${link}`);
    const offerUri = url.searchParams.get('credential_offer_uri');
    if (!offerUri) throw new Error('offer link without credential_offer_uri');
    const offer = await http.get(offerUri);
    if (offer.status !== 200) throw new Error(`offer fetch: ${offer.status} ${JSON.stringify(offer.body)}`);
    const issuer = offer.body.credential_issuer as string;
    const metadata = (await http.get(`${issuer}/.well-known/openid-credential-issuer`)).body;
    const asIssuer = (metadata.authorization_servers?.[0] ?? issuer) as string;
    const asUrl = new URL(asIssuer);
    // RFC 8414: the well-known segment goes between the host and the issuer's path.
    const asMetadata = (await http.get(`${asUrl.origin}/.well-known/oauth-authorization-server${asUrl.pathname === '/' ? '' : asUrl.pathname}`)).body;
    return { offer: offer.body, metadata, asMetadata };
  }

  /** The whole flow: offer, token, then one credential per offered configuration (or those given). */
  async receive(http: WalletHttp, link: string, options: { txCode?: string; configurations?: string[] } = {}): Promise<StoredCredential[]> {
    const { offer, metadata, asMetadata } = await this.readOffer(http, link);
    const grant = offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
    const form: Record<string, string> = { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': grant['pre-authorized_code'] };
    if (grant.tx_code) {
      if (!options.txCode) throw new Error('the offer asks for a transaction code');
      form.tx_code = options.txCode;
    }
    const token = await http.postForm(asMetadata.token_endpoint, form);
    if (token.status !== 200) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
    const received: StoredCredential[] = [];
    for (const configurationId of options.configurations ?? (offer.credential_configuration_ids as string[])) {
      const nonce = await http.postJson(metadata.nonce_endpoint, {});
      const proof = await this.proof({ aud: metadata.credential_issuer, nonce: nonce.body.c_nonce });
      const response = await http.postJson(metadata.credential_endpoint, { credential_configuration_id: configurationId, proofs: { jwt: [proof] } }, { Authorization: `Bearer ${token.body.access_token}` });
      if (response.status !== 200) throw new Error(`credential ${configurationId}: ${response.status} ${JSON.stringify(response.body)}`);
      const format = metadata.credential_configurations_supported[configurationId].format as string;
      const item = { configurationId, format, credential: response.body.credentials[0].credential };
      this.stored.push(item);
      received.push(item);
    }
    return received;
  }
}
