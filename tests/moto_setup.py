"""Make an IAM user with an access key, an allow-all policy and a virtual MFA device in a moto
server, and print them as JSON. Used by the tests and scripts/demo.

usage: moto_setup.py ENDPOINT USER [--enable-mfa]

Without --enable-mfa it makes exactly 4 IAM calls (the tests start moto's auth mode with
INITIAL_NO_AUTH_ACTION_COUNT=4, so every call after these must be signed with real keys).
"""
import base64
import hashlib
import hmac
import json
import struct
import sys
import time

import boto3


def totp(seed_b32, at):
    key = base64.b32decode(seed_b32 + "=" * (-len(seed_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def main():
    endpoint, user = sys.argv[1], sys.argv[2]
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=json.dumps(policy))
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    if "--enable-mfa" in sys.argv:
        now = time.time()
        iam.enable_mfa_device(
            UserName=user,
            SerialNumber=device["SerialNumber"],
            AuthenticationCode1=totp(seed, now - 30),
            AuthenticationCode2=totp(seed, now),
        )
    print(json.dumps({
        "access_key": key["AccessKeyId"],
        "secret_key": key["SecretAccessKey"],
        "serial": device["SerialNumber"],
        "seed": seed,
        "account": "123456789012",
    }))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "totp":
        print(totp(sys.argv[2], time.time()))
    else:
        main()
