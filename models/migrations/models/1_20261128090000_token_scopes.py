"""Token scopes and expiry: model-name patterns, environments and an expiry time on ``api_token``.

All three columns are nullable and null means "not limited", so existing tokens keep the access they had.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = """
ALTER TABLE "api_token" ADD "model_patterns" JSON /* Model-name patterns (``churn-*``) the token is limited to; null: every model. */;
ALTER TABLE "api_token" ADD "environments" JSON /* Environments the token may deploy to; null: every environment. */;
ALTER TABLE "api_token" ADD "expires_at" TIMESTAMP /* From this moment the token authenticates nothing; null: it never expires. */;
"""

POSTGRES = """
ALTER TABLE "api_token" ADD "model_patterns" JSONB;
ALTER TABLE "api_token" ADD "environments" JSONB;
ALTER TABLE "api_token" ADD "expires_at" TIMESTAMPTZ;
COMMENT ON COLUMN "api_token"."model_patterns" IS 'Model-name patterns (``churn-*``) the token is limited to; null: every model.';
COMMENT ON COLUMN "api_token"."environments" IS 'Environments the token may deploy to; null: every environment.';
COMMENT ON COLUMN "api_token"."expires_at" IS 'From this moment the token authenticates nothing; null: it never expires.';
"""

DROP = """
ALTER TABLE "api_token" DROP COLUMN "expires_at";
ALTER TABLE "api_token" DROP COLUMN "environments";
ALTER TABLE "api_token" DROP COLUMN "model_patterns";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DROP


MODELS_STATE = (
    "eJztXetz2zYS/1cw/NL0xvG4Suzk3JubUSylVWNbGUVNX+7QsAhLPFOgSoJ2dL3877cLvp"
    "8mZVGiZH5JTBALQL8FsIt9gH8rc1Njhn3YXehj845x5ZT8rXA6Z/BH6t0BUehiEb7BAkFv"
    "DFmZLnRVBNVubGHRiYAXt9SwGRRpzJ5Y+kLoJnaidDnpfhwQSXFIhtxYEjFjxJ7RzvEJMW"
    "/dJzaxmCC6TWxhWkz7Plk6Mx84MfmEESoIlFJs/hBHoJkTGILOp5vozOH6Xw6Dnz9lQGNB"
    "l3/8CcU619gXZvuPizv1VmeGFsNY17ABWa6K5UKWvdOnAy7ey7r4U27UiWk4cx7WXyzFzO"
    "QBgc4Flk4ZZxYVDHsQloOoc8cwPA75jHAHG1ZxRxmh0dgtdQzkHVK7AwjLFFW9HI7VT/2x"
    "qiopvvoUEfS9oonJcU7AUG0JwBSH8PKfnc6rV286R69O3h6/fvPm+O3RW6grx5t+9earO5"
    "gQLbcpidngh8HlGAdkwsRzpyQWfJU0VFCXSjIjRF/+n8L/bEatbPT9+gn84Ycl8ffRbi4D"
    "5vSLajA+FTN4/K7ztgDcz93R2Y/d0Quo9W0c4kvvVcd9h2iH6FqmkYNunztzifAAxkRhSa"
    "WQ9mnXg7RfEEIdbkurY62M+t1ef3RKYC/QmHXFfxkNxvj8YOkCn3v9j+fD37BEYwvDXGJZ"
    "t3cxuDwlVJvrPLlRleLUSRlGneTz6STJJneLU2fUnlVZCwmyvVsSJ69LAH3yOhdofBUHWk"
    "pNdUEFTA5up7H+6dPwMhvrNGUCbk2fCPI/Yuh2ShJkwO6BWvfyuMBRv8RfT/yhkxfX15OZ"
    "Y/GX/7i+/lZKWCmVUcAa+hyWjQYF38veTgm7Z9aSyB+fFuprbz0xGwq4j4xCirlt/2VEuf"
    "7iovtrckKcnQ/fSY6ZtphashXZwLvE7GD8XrdMPmfYf4W5kaTbhZnRj4w5wqY5XXo7ZYpN"
    "kV+ZngpPb27LvJfaJNNUKtKc78Eboc9ZNvfjlEnee6SH/h/NkZ2lN+UCVowHF/1P4+7Fxx"
    "g/et1xH990ZOkyUfoiKRmDRsgvg/GPBB/J78PLfpJtQb3x7wqOiTrCVLn5oFItiolf7BfF"
    "2GxQW6iOvRKjk7RrYPVmFvuz5LTF7mELWoXPccqWy03mMvuy0KG5Fbgcp9wZLivvLXMOEh"
    "b0qbmJwjMibQGpGZToExikTbgJtfjUl7q6IBwlL/F+eFqGr7XlPZtzaD26vYtYMLDghk7u"
    "Hqilqak3ZsfMq5t+Ne/MkyWU06mcMogwjtM3BFpCv3Wtemkjof/uoNBIGK31uI2QAB8FcP"
    "4l4AMQgvAjN4Z5c0jGMDduljgbDP2eEZ3L2eK37hrwiANT38IXuuWZ+jIsg7V08QR7oNtK"
    "pXN4QNEewXOO4PkGQFv/L1Mlm6uZYeN0j5tjd0DR3qRFtj35PDNNyWfWzbLK1hanarIpeN"
    "tm9woaQsgU0JpsGH7W1udRvv8wYob0c2UwwJP80g732W2qMYpq1UUWlnpD/FqrIuVouujf"
    "M56tSoVvi5UprKeyoGIZnyu0xrj20kQXqMUmpqWh+9PkDBQa4BmZzCifAil6MAQaTl21xy"
    "3+xiboAoVeuA0d5bla6+jjcY3qbyUE37OXu75S+BerwvEA9Ts53z1qD3dvYvjTWpGVYQDy"
    "Qe5iqZZ9P+B624bfa1q1NOstzTW3K57UWusSb6RLPJwtq7htQ+omS2vlYtjrn6tnoz7oRr"
    "1TEnu84u7jzx970bfe4xX/3B99Ggwv1VH/h8GncX+EVdJlYT2U1IPP0Vp+yRX/OBpeDGUn"
    "/l/oNPaKvD+u+Gh4ft7vqe+6Zx9OSeRhFffxq04JheNVJ1ffwFdxDT7YtcpqdQFBk6fIth"
    "W6GMKVz0btmWgHzkRxVaLs6olTNXkJKR/YQpAbZusakxrerWkxfcrJHVsS25RFMx0NaUsZ"
    "QeO6bm106KNSSx50+G2Oawj+j6lnKJt1dLD55R3xRVeZCAmylWZCww5jdQfgwCSws3SbMa"
    "iled44n2If8C3aPfu/jmMbZyqsIdg8z4eXP/jVk7EOSbzhZ9tCzdLo8yd2nGofcN/AJqIx"
    "QXWjUuBQhORJMUMriRPlX7cOl4cFcuPohtC5fYjd/lvZ/NyvJaQnaoIof5aNUq3kVWjazN"
    "+KU2FhsXvddGzVs3BWZkNOAy1HVuXIqoxo8V8d/5RPILE5pTnx3tWfP7BlysqTbfsfsSnI"
    "CGYx7cJvcbe4kWf+h2KLPgTGydi+DDDAAxMSiBEcA0eDs7GSNd3XgPB+eleS8MaXeQmAkx"
    "t0i3RJpHMkWw7k24kz6smY7XmOeyzy9qDIPabF65WINvIgIQuDTphGAESTUB6NFf+eoIH7"
    "npGHmW4wcn1tMaFbMgjh+hqzDPCXZEUZrbPpJ/jCojaDYt+N7EUNMVTd0aluawnbQxXXWX"
    "ogBz6vgmCOOlx2br+1dhRfUtGuWj/ZTmpQBwV+si1a7ZpmlK/bbJdYtFUcIQnS1iPSaI9I"
    "wK1qYWIJsj1cU/WkZ7fW8A1bw32FruouFqfcmWyRZ7mH+byqtoXFqfZhdW1kA3NBW2UjS1"
    "LuA+Sb3tC25OJonKh+bhb158uARprUm8aOfbOp7yq+DbbwDjQ2X5iC8clyJDMElAxDb7rS"
    "QZG9Vw+rq1ZY/1G7LyZ63uqWLQhogcAoTFagZO4ImfdCbMxFxkgxtNdG+sAgswP4ZyEw7A"
    "xoFwZdZuQ1r7/5DPvvH8oC+pvoCyo3DKBV/iyyCUdy51rT5E5KooMC02RsLpQ9gcSIWhNK"
    "uRMILrQKGHvVW3TLoWsuEJDcbJRsjGNEe4j0+hM4/HjLqhcAJumaDLYSv+s1mCRE3h9HuU"
    "Z0YZMJ5SbXJ9QgOl844hQEtSt4QV6DAJ9TMZnhhSPsC2gUxjIt7GvrZeOB0qiqpCdDfjBp"
    "SLG7saTKQLN93uF9M0JnbsqAq78BxwzglHAszrQDqGE60xkRJpRhty5zF3RpmFRLT401t9"
    "1eWNfU7XrXjdkVrhKo84h4wQDmiZJxLvTeFB4G52GdRw+AQ86IW9/PU/dOzgeYmo4LDzPS"
    "LfMBc4rgWMmQ/XI3v4XNxn26WeKhzm3EsZk8zOH0S+8DtfeWeTyMGE8kmoWnw6hhxk80u6"
    "cGLK72sLh3h8XtXoHeKNW6lkOMu3BSAL8HSZ5nofcpEhDfIskOglyAaW/487vzPvk46p8N"
    "MDU+LgHlSyyCAt03XHbPn5UXSumBLmjNKejPDESAe0liIDNQRlwF9/igQJG/i1y4kgMvs1"
    "v6guLXKwXDSFHiyCESC+9bSQmo7e9VrY+rqT6u1gWzPhfMWffTWbfXV9J72T47ETe+nW2k"
    "w3U7QIO5saWjF/43plMl6/Dlvys+fslfJrxqj53A8pdd5lkmWCSPurk8e3t7dtlhcVR0dm"
    "ndL1s4ueTjm3dw2QuEjzplrOxYLR9j+fI5nV4auJ+0IVybCOFqggbjHy/ytJjI8SNfk4kc"
    "ecpZkvU5xvYANbGCaeCrm963J6+v8SJUx76+ll8j8m4+tckL/J7cb+j18W8I/DbbflxDH8"
    "WaFnfmN1BY2mocd/LUmM4JmoHNRJAF3up4O7knF+l43tRLcSAX/pBgnyRj57vXb16/fXXy"
    "OgA/KCnCPG1Tc7eFbLXu8ftdQ+rN6XjyM5u/KdXwdYlOifzvioeXsPp/lbR71vztzeigUy"
    "zJz19JkLXJK9WTV2bQhbWgFjyC/Kx0cVoG6e4GvayDQbWEmNyCCuFYTF51Wok9KcJmMAf7"
    "2xvmeAY+RDRTkhQdW32qfdi14vKhc1xGQECtXAkh3yXWAe4zD6Z1VwXpGFELdCmgk4eJCn"
    "BnkLaglwJd9gZjUDXHjZVVbQaj0DJ2/IKQicJWVgyjaBgvao6i8D9sp96it6zSlTYZpPs3"
    "+dcfdt+G0K4y13cihLb98tl2PFbBTlTtwvEE2f5tXutPEGndVq3bqnnsqOnmgehXi5+Icf"
    "Qzybu1o5TFNrGZVr52IAJ7+H1DW6W26l9dm7HnVPhcZfzrivvBg/hsjcDWQlUIVXi97ROR"
    "it9JvCe7ZlzgyyDIp34qNsjK2keIBJ0+ER8vIsELr9wXjOoM9EjqLBmxHhlqzSOBq7JKif"
    "vCsSPNjRg+lVHFwApBgmhiasXiMxxgiyUT+fz7SmU4ctZt4etruOJd4XXGbTgLbX1tt8Ea"
    "zQzW2Goy4XYZsIlvfLXBAtsJFmhttSuxorXVtrbavM0srg5UWVJxynZJNXpJ+RmQE9PJ+l"
    "DGoym8Ad3m7MVH1diqfPb1chloHSrmh6RreF8hpoZhTqgwLUwx9HMP3UBV+zQgwas9dA7b"
    "ibRI4BVQUrVPHRDq7vCKYxPy+PGNLa8igcbuDjBZ0mtCHkE0xhE5P1MSDyDcG5Fjs8xrit"
    "YRzFrhfprWKNYaxVqjWNNTtLdqcovmMzcD//VOUZ9Ta0Bp/65rqNU0GTHmZlgl46beR/PP"
    "6sqljwQsZmXTt2a2RprZ2rz3Nu99x/Pe26udmhVE1F7tVMPVTttJfu/CwX4yy1I6vDeFCg"
    "cN66xV13iKZvFc1IonJvnmKwwrpLQ8NZWlaes6mctyXCqX5bggl+U4FX4Mi6oCwl71PUT3"
    "u6OjUjrDUYHKcJTKlzC5yPzYcn4maIRk8zmg23EQrC3bs4KZdf3C7Ov/ASi2T8U="
)
