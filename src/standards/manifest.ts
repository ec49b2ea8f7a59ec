/**
 * The standards data a deployment needs at run time: the OB 3.0 and CLR 2.0 JSON Schemas (the
 * verifier's `schema` check) and the CLR 2.0.1 JSON-LD context (Data Integrity proofs on CLRs; no npm
 * package ships it). Each is fetched from its canonical 1EdTech URL and accepted only if the SHA-256
 * of its RFC 8785 canonical JSON equals the pin below, so a changed or tampered file is refused while
 * a server that merely re-indents it is not. The pins were computed from the 1EdTech copies in
 * `../shared/spec` (the path in `offlinePath`, which set-up also uses when the network is unreachable).
 */
export interface StandardFile {
  /** File name in the cache directory. */
  file: string;
  /** Canonical URL; for schemas also their `$id`, for the context the URL credentials name in `@context`. */
  url: string;
  kind: 'schema' | 'context';
  /** hex SHA-256 of the RFC 8785 canonical form of the JSON. */
  sha256: string;
  /** Where the same file lives in a 1EdTech spec tree such as `../shared/spec` (the offline source). */
  offlinePath: string;
}

const OB_SCHEMA = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/';
const CLR_SCHEMA = 'https://purl.imsglobal.org/spec/clr/v2p0/schema/json/';

const obSchema = (name: string, sha256: string): StandardFile => ({ file: name, url: `${OB_SCHEMA}${name}`, kind: 'schema', sha256, offlinePath: `ob-v3p0/schema/${name}` });
const clrSchema = (name: string, sha256: string): StandardFile => ({ file: name, url: `${CLR_SCHEMA}${name}`, kind: 'schema', sha256, offlinePath: `clr-v2p0/schema/${name}` });

export const CLR_CONTEXT_URL = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';

export const STANDARD_FILES: readonly StandardFile[] = [
  obSchema('ob_v3p0_achievementcredential_schema.json', 'fb2d04ab56e8465fa3d41198272fa05c9038de5b99a6e0d870dec9f9aa21b75f'),
  obSchema('ob_v3p0_endorsementcredential_schema.json', 'c9a37be34d21d694f81804aa6e9380023e7a00e910087695ae1f81967745d269'),
  obSchema('ob_v3p0_getopenbadgecredentialsresponse_schema.json', '5884c27c9a704d7e513457081f08065aaa48eab999923c5e930f24428f3c407e'),
  obSchema('ob_v3p0_imsx_statusinfo_schema.json', '0a323733c4e45795ad0228a975a0e649f379895a983585fcd92e388c1f9d515f'),
  obSchema('ob_v3p0_profile_schema.json', 'b3df944faf391ee20d2c7edfd5b4e7d68602591b68beb10d85b96592c8fdc75d'),
  clrSchema('clr_v2p0_achievementcredential_schema.json', 'fa8ddca8404b5a1d9902139aceb3301b8ae57d3cd28719bc4b93b2d76b53e459'),
  clrSchema('clr_v2p0_clrcredential_schema.json', '14e8f615ad5f502a3f6cb53fcee504b9c540f2a4b60c057896020a5328f1156a'),
  clrSchema('clr_v2p0_endorsementcredential_schema.json', 'b0e93ab856cd8eff68e699dd954fe28be7b7dfb7a8f29d90367b4afb0254c19d'),
  clrSchema('clr_v2p0_getclrcredentialsresponse_schema.json', '9a1ba6e1b0273784577bf19f7a5be90b17bdf8410030ee8c5cd4f104c55673f2'),
  clrSchema('clr_v2p0_imsx_statusinfo_schema.json', '81db6a9a33af53f8d6c011f32c81aa1b9f1005dcaeae1a5c353fc65d390e481d'),
  clrSchema('clr_v2p0_profile_schema.json', '8fa3bff846178a6542b65c7dd6ded576d3380a4249d74843ed7cccc1b1bb95b0'),
  { file: 'clr_v2p0_context-2.0.1.json', url: CLR_CONTEXT_URL, kind: 'context', sha256: '7defe702c102faf14108579b7d65ef39ecf4c3bbef925b803e15bd77cd6e3394', offlinePath: 'clr-v2p0/context/context-2.0.1.json' },
];

/** The command that fills the cache; named in every message about missing data. */
export const FETCH_COMMAND = 'laurel standards fetch';
