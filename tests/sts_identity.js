// GetCallerIdentity with the AWS SDK for JavaScript v3, its credentials from one provider.
// usage: node sts_identity.js PROVIDER [PROFILE]
//   chain      the SDK's default chain (no credentials option)
//   env        fromEnv()
//   ini        fromIni({profile}) (~/.aws/config, credential_process)
//   http       fromHttp() (AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN)
//   container  fromContainerMetadata()
// Prints one JSON line: {"arn", "accessKeyId", "expiration"}; the SDK's error on stderr and
// exit 1 on failure. The endpoint comes from AWS_ENDPOINT_URL_STS (the tests' moto).
"use strict";
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const providers = require("@aws-sdk/credential-providers");

async function main() {
  const [which, profile] = process.argv.slice(2);
  const credentials = {
    chain: undefined,
    env: () => providers.fromEnv(),
    ini: () => providers.fromIni({ profile }),
    http: () => providers.fromHttp(),
    container: () => providers.fromContainerMetadata(),
  }[which];
  if (credentials === undefined && which !== "chain") {
    throw new Error(`unknown provider ${which}`);
  }
  const client = new STSClient({
    region: process.env.AWS_REGION || "us-east-1",
    endpoint: process.env.AWS_ENDPOINT_URL_STS,
    credentials: credentials && credentials(),
  });
  const out = await client.send(new GetCallerIdentityCommand({}));
  const used = await client.config.credentials();
  console.log(
    JSON.stringify({
      arn: out.Arn,
      accessKeyId: used.accessKeyId,
      expiration: used.expiration ? used.expiration.toISOString() : null,
    }),
  );
}

main().catch((e) => {
  console.error(`${e.name}: ${e.message}`);
  process.exit(1);
});
