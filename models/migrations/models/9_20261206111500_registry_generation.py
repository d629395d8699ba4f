"""The registry's generation on PostgreSQL: a sequence that every write transaction advances after its commit.

The response cache keys answers by it (``models/db/generation.py``, docs/performance.md, "Response cache").
SQLite needs nothing stored: it reads ``PRAGMA data_version``. No model changes, so ``MODELS_STATE`` is
migration 4's.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = ""

POSTGRES = """
CREATE SEQUENCE IF NOT EXISTS "registry_generation";
COMMENT ON SEQUENCE "registry_generation" IS 'Advanced after every committed write; the response cache keys answers by it (models/db/generation.py).';
"""

DOWNGRADE_POSTGRES = """
DROP SEQUENCE IF EXISTS "registry_generation";
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE_POSTGRES if db.capabilities.dialect == "postgres" else SQLITE


MODELS_STATE = (
    "eJztHWtX2zj2r+j4S+keylBaaJfu7jkppDPZAuGElHkxxxGxSLQ4csaWgexs//teye9XsB"
    "M7cYK/QCzpSvK90n3pXvkvZWJoRLf2WlPaN+4JU47RXwrDEwI/EnW7SMHTaVAjCji+1WVj"
    "PKUq95vdWtzEQw4Vd1i3CBRpxBqadMqpIQZRWgy1LjtIQuyhLtNniI8Jssb44PAIGXfOEx"
    "mahCNqIYsbJtE+xUvHxiNDBhsShDmCUiy63xMz0IwhTIGy0SoGsxn90ybw+iMCMCYM+fsf"
    "UEyZRp6I5T1O79U7SnQtgmOqiQ5kucpnU1n2mY46jH+RbcWr3KpDQ7cnLGg/nfGxwXwAyr"
    "goHRFGTMyJGIGbtsA6s3XdpZBHCGeyQRNnliEYjdxhWxe0E9DOBIIyRVUvun31qt1XVSVB"
    "Vw8ihH23aGgwsSZgqpZEwEhM4c3fDw7evftwsP/u6OPh+w8fDj/uf4S2cr7Jqg/fnckE2H"
    "K6kjjr/Ni56IsJGbDwnCUpCr5LGMyxAyWJEWBf/k/g/2SMzXTse+1j+IcXi+Pfw3Z9CTDB"
    "T6pO2IiP4fHtwcc5yL1u9U5+avV2oNXrKIov3KoDp05gO8CuaegZ2G0zeyIx3IE5YdhSCU"
    "x7sOVg2isIUB2wpcVxrfTardN27xgBL9CIecN+7nX64vnRpFw8n7Yvz7q/ihKNTHVjJspa"
    "p+edi2OEtQllcUaVi1JHeQh1lE2noziZHBanjrE1LrIXYmBbtyWO3udA9NH7TESLqiiipd"
    "RUp5jD4mBWEtf/vupepOM6CRlDt0aHHP0P6dRKSIIUtLtIrXp7nItZvxFvj7ypo53BYDi2"
    "Tfbmb4PBaylhpVQWAlanE9g2GhR8kqMdI/JAzBmSL58U6qX3HlsNc6gvCCUgJpb1px6m+s"
    "5565f4gjg5636WFDMsPjJlL7KDz7HVQdgDNQ02IWL8AmsjDrcJK6MdmnOITBM8czllgkyh"
    "t0wuheW7WzPtpTZJNBXzJOVPoYbTCUmnfhQyTnsXdM/7UR/ZmZspzyFFv3Pevuq3zi8j9D"
    "ht9dui5kCWzmKlO3HJ6HeCfu70f0LiEf3WvWjHyea36/+miDlhmxsqMx5VrIVx4hV7RREy"
    "69jiqm0tROg4bAmkXs1mf5GUNskDsKBF6ByFbKhcZyqTpymF7hagchRyY6isfDGNCUhY0K"
    "cmhhCeIWkLmBpDCR3CJC3EDGjFRp7UpRwxIXmR++JJGV5qz1u25oT36O4+5MEQBbd4eP+I"
    "TU1N1BgHRlbbZNXkYBIvwQyP5JIRGBbz9ByBJqd3jlcv6ST06nbnOgnDrZ73ESKgIwfKvw"
    "H8AApB+KFb3bjdQ31YG7czsRp0+kAQZXK1eL07Djxkw9I3RQU1XVdfimewkiGW8Ac6vRSy"
    "w32IxgTPMMGzHYAW/S9RJZmLuWGjcM+7YzdA0V6lR7axfF6YpuQR63ZWhLVFoersCl6327"
    "2AhhAQBbQmC6afxvpcyC9fe0SX51wpBHAlv/TDXTtd1UZRLbrJglJ3it8rVaRsjfL2A2Hp"
    "qlRQO1+ZEu1U4jfMc+YKvRGmvTHEEahJhoapieNPgxFQaIBmaDjGbASg4gSDC8epo/Y4xa"
    "8sJI5AYRRmwUBZR61VjPG8RvWXEiDf9Zc7Z6XwVzQF80Dod3K9u9Au3t2F4S1rRTaGCcgH"
    "ycUSPXvngOX2De9rmJV0627Nkvvl5SPWIRksBcpUi/z5zAByWaihfaA6vUh4JffQiw9nkh"
    "GFtT8rOqL/ss8MSLWnyHg2swjWiZY5Evr5p3avjcShHPonevVK+d5EHtQy8iDYlIucjgfQ"
    "dVaKlPPuaftMPem1QQU9PUaRxxvmPH67PA3Xuo837Lrdu+p0L9Re+8fOVR8WNTRJlgXthE"
    "LUuQ638kpu2GWve96Vg3i/xNm8W+T+uGG97tlZ+1T93Dr5eoxCDzesfXHd6XUvztsXfRV6"
    "6LdPJGRqcbT1t4uM9qGKG9bvfm1fBHiKPHq1vfY1/Pdr3ce4/M2jdL47yKFzvjvIVDlFVd"
    "SI8wVXXsXeB6jz8l23Th/BcGHzuDGLN8AsjmqTeXdPFKrOW0j5SqYc3RKLakQq+XeGSeiI"
    "oXsyQ5Yhi8ZU+FJnMojKOb23REyHUHjQI4V3s52zgP8YNMXeqGKA1W/vUDhCkYUQA1toJd"
    "TMHq86BgsWgZWmd/VBhc46kPUgtgG/87hn+5d+hHEmIlt85nnWvfjRax4Pd4njG17b4mqa"
    "tZG9sKNQ24D3FTARjXBM9UKxYyGQpcLGFhInyj/ubCYNGXRrU51TZu2JYf+lrH7tVxPV5f"
    "sVEiSZZ2hHwFZ3tLRfULRfGhaVxAv8d5Ttojtxjv8W7ewj6QAEeYwwk8KW+x6/WyLEdACF"
    "yBOsM6LtIptxqiPHyfE6Ke1XNGYtTsamJnmghm0VDsxOAK5OQ1QKbl1lMBCTHAy8JByHZj"
    "6tqCX9xmFqf0JkMuUOkaXCR00rJSS0zI5XrKIUpfcGkNnNtNoZk6fXDkWAAJIkryw0xMxg"
    "dIh1LxZjF029fY6ZhgaDyIoeDJLUrqD/teQGFPXJhqEWkhR105LWy2ndA9HCZMjooKHIoh"
    "RZlBAN/hfHfyKEIMackpT44vhavpJZ4rQiPVSgJ4/LiEm0c6/HzaJGVrQAFJv40T9ki/Bl"
    "QAM8EC4R0Wtf9Xudk76SttxLwPB2BmPE0Rvd5jkQHGfQDaZzYjpDsmWgfD1hyacyxWuSEU"
    "0Tqt2dF02jRdvlCE52UYKmOh4SDWwJbkizM3DKfkLioPaBoMcx1Qkomibh1JQxi2CZgIoq"
    "3iQtKLnMrpcInQn7l/OERgQ4VJ3ZufEYMT918YCQWAduNrUX+1lFhI8zbqUDRbdUeKhlBm"
    "niPWoZ77HGE566HeBWbUrHNm2RQ/MYaHN6XuvTc59axaLKY2BbuKequc2lOTld8cmpp9AV"
    "5WJRyI1JLn2RPMyjVTEWFoXaht21EgbmIG0RRhaH3AaUr5qhremIo3ai+qV51F8uAWrpUq"
    "8bObbNp76p+K2xhzd0v9elaXAydHGQcPamN9yd5/cNeVjUaRTmWR+wuCPCtHViiZgDjFxw"
    "ooUdtWjHGfSH8D1tP0iovens9R76xrxh2Qg5OHeilE3jMekbXs2QzYW2NZYquxviZtzCi0"
    "Sicc2OTbDMJbfxTmpsVpR+2a0CPGgCXGgXuI6uC0Eho7E0IgoRcB2CGAHGhjnSwe7iTlCX"
    "wJRz9RO6J2TqsC3bsrHuD5sjh6P0O3Qlc00ug+zIax9gc+OulR68A3LoaaHbGbqHUXe9mE"
    "prxjh+kj9PzjqI43uQMc8IpsQSqWSENUeFN37U1bodmhuGFiLFpjlSmxuGVudJtafaglsq"
    "CtlsqVpvKY9YxbZUFKrZUqVc2lWld6UDKvcUdG42nPXkdU1Kimcl2Wh3nleFBs1VM2ify6"
    "MiE2/AzLCAho6XY2JzeQkZsmRGF+VjEQ0XGkOke+/CnymX6TsmWAJ4lnLJbPndp3hKfgfL"
    "hrIhnWLpjgVY5Y95EXchNaMJ/No6j0xkLeRP4QsBNSw0n1YiNloBHLvNG+zmw64xFQjJvL"
    "MqHccRoC3EdPlXKXk3HxRNAo3D1RnZSvTDe/4iQfJjPsIJSHk4bZOyqc2PQVA7ghfkNQjw"
    "CebDsbj9nTyBRqHPMpNCyx9l5a5moaoUci76EBvsXexolp+8zTjl1D2jcvQ3oJgOlOK2yU"
    "QOP2GGPRojbkCZGNYh7hTPdANryaVRct/rvmei8XBtqzleExPxnACah0qKXejWzDUGJ0Gb"
    "Zw3ALiPIae9dGuzGJUi3v9h44npg03gUt3uBWUkE+SU3vwNm4zzdzoRR53RiW0Qac2L5Jf"
    "lA5aOlmoeh0BSJzbnWYTjsxbvy7QHrsLkaY3HrjMX1fo+2Vqp1JUaMs3ESCP4Ckjwr/tGD"
    "iKH4ToBsIJLn4PS0++3zWRtd9tonHXGBblQCykpRBAXUCwtrnb2oGF/lFHRBc4JBfyaac+"
    "uU0Bq9bF2QETf+RxWEQJHvhc4dySG+LDTzBMUvNwry7yCCKSJTXH6fEFDr51VNBHFdI4ib"
    "ANfyAlxPWlcnrdO2kuRlJaC3tiHaK2dnKxmw7PByf22syfQS//p4pKQZX17dfPNLvhl3mz"
    "1ngWVvu1Rbxt8kzx5zuf72xnbZYHE0z3Zpjl/WYLlk4zfLcNkKDO8f5PGyi2bZOJaVL8l6"
    "qSE/aRLkVpEgVwcNxjMvsrSYkPmRrcmETJ58nmQ6EbE9AI1Mfxl46uYe6orLogcD8VU62x"
    "oMkPyMtPMZOgvtiHyHX8Wpj/cdoZT49IrGmK9pMXtyC4W5vcbRQ54KL8sCzcAi3L9jr9Hx"
    "NpInz9Px3KWXoEAm+gOAbZKMB2/ff3j/8d3Rex/5fsk8nCd9ag5bSFfrnk8fC6BXePW3ZF"
    "lKMfw6QMdI/rthwafavF85/Z4VJ3GFJ50gSXZ6TgysydEpnqMzhiHMKTbhEeRnoUS6FNDN"
    "DXopg0CVhJjcgQphm0R+dKwQeRKA9SCOGG9riOM6+ARGUyXJPLPVg9oGrhWVDweHeQQEtM"
    "qUELIutg8En3k0zPsimI4ANYjOhei4MVEA3SmgDdJzIV2OBnNQNduJlVUtArPQUjj+nJCJ"
    "ub0sGEZRM1pUHEWBTU7v8JCrd+K0rNBNHimg27f4yw+7b0JoF1nrGxFC2ySJr+fEyudExT"
    "79GQPbPua1Nd8Oq92abo6t6kSOpY+t0u919PhDCThuhbraLI6SF7cxZlr4UscQ2m2NclV+"
    "UtFSsaV6HwZK4TluT1++9oielfzpUUD02n4gm/hltiwaRFdrCG0NquaiKvh40JKYin7xaU"
    "u4ZlTgyyDIJdEUZG5tI4o4Hi2JHzciwQ2v3BYcVRnoEddZUmI9UtSaZwJXZZMcX2MTA2lO"
    "xPCxcykkoxz50cTYjMRn2EAW071v0vkajAxHTvsWW3kdF/wSW5VxG9F7uJbsuwnWqGewxl"
    "qTCWt0+28l7o0mWKC50LOuYr/x1Ta+2uZCz2ZLxbeUlwE5NOy07wM8m8Lrw63OX7xfjKzK"
    "taeXy0DrQDHfQy3dMqT+jnXdGGJumCLF0Ms9dAJVrWMfRFztQRmwE+mREFdASdU+YSBUPe"
    "ANE11I8+OVJa8igc7ud0WypNuFNEE0wgTmvExJYYAwd0a2RVKvKSojmLXA/TSNU6xxijVO"
    "sbqnaK/V5RbOZ64H/stdoh6lSsDS9l3XUKlrMuTMTfFKRl29z+afVZVLHwpYTMumb9xstX"
    "SzNXnvTd77hue9N1c71SuIqLnaqYKrndaT/N4Cw344TlM63Jq5CgcO2pSqayyjWbwUtWLJ"
    "JN9shWGBlJZlU1nqtq/juSyHuXJZDufkshwmwo9hUxXAsNt8C7H7dn8/l86wP0dl2E/kSx"
    "iMp35jNjsTNASy+hzQ9RwQlJbtWcDNWr4w+/5/FVOPXg=="
)
