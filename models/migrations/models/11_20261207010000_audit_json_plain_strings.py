r"""PostgreSQL's audit hash trigger encodes plain strings without a loop: its ``audit_event_json_text`` returns a
string of printable ASCII with no ``"`` or ``\`` quoted as it is, and walks the others character by character as
before (migration 8).

The trigger recomputes every inserted event's hash (migration 8), and the loop cost about 1 µs per character: some
220 characters per promotion's event (the previous hash, the time, the names, the request id, the details' keys),
about a quarter of a millisecond of the promotion's write statement. Almost every one of those strings is plain
ASCII, for which ``json.dumps`` adds only the quotes; the test of the trigger against ``models/audit/chain.py``
(tests/audit/test_chain.py) covers both paths. No table changes: ``MODELS_STATE`` is migration 10's.
"""

from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True

SQLITE = ""

#: The character-by-character encoding of migration 8, unchanged.
_LOOP = r"""
    FOR i IN 1 .. char_length(value) LOOP
        ch := substr(value, i, 1);
        code := ascii(ch);
        IF ch = '"' THEN result := result || '\"';
        ELSIF ch = '\' THEN result := result || '\\';
        ELSIF code = 10 THEN result := result || '\n';
        ELSIF code = 13 THEN result := result || '\r';
        ELSIF code = 9 THEN result := result || '\t';
        ELSIF code = 8 THEN result := result || '\b';
        ELSIF code = 12 THEN result := result || '\f';
        ELSIF code >= 32 AND code < 127 THEN result := result || ch;
        ELSIF code > 65535 THEN
            code := code - 65536;
            result := result || '\u' || lpad(to_hex(55296 + (code >> 10)), 4, '0')
                || '\u' || lpad(to_hex(56320 + (code & 1023)), 4, '0');
        ELSE result := result || '\u' || lpad(to_hex(code), 4, '0');
        END IF;
    END LOOP;
    RETURN result || '"';"""

#: Printable ASCII (space to ``~``) but ``"`` and ``\``: what ``json.dumps`` only quotes. In a regular expression's
#: bracket PostgreSQL reads ``\`` as an escape, so ``\[`` and ``\]`` are the brackets themselves.
_PLAIN = r"""
    IF value !~ '[^ !#-\[\]-~]' THEN
        RETURN '"' || value || '"';
    END IF;"""


def _function(fast: bool) -> str:
    return f"""
CREATE OR REPLACE FUNCTION "audit_event_json_text"(value text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
DECLARE
    result text := '"';
    ch text;
    code integer;
BEGIN{_PLAIN if fast else ""}{_LOOP}
END;
$$;
"""


async def upgrade(db: BaseDBAsyncClient) -> str:
    return _function(fast=True) if db.capabilities.dialect == "postgres" else SQLITE


async def downgrade(db: BaseDBAsyncClient) -> str:
    return _function(fast=False) if db.capabilities.dialect == "postgres" else SQLITE


MODELS_STATE = (
    "eJztPWt32siSf6UPX2LfJR6PJ8nMenb3HGLLGTY2eAlJ7oN7hEANaC1ajCRCuLPz37equ/"
    "WWsMRTYH1JTKurW6rqrq53/1GbWjo1nYvGzOhaT5TVrskfNaZNKfyReFYnNW02C55gg6sN"
    "TN5Zmxmq63cbOK6tDV14MNJMh0KTTp2hbcxcw8JJag1GGo9NwiEuSJuZS+JOKHEm2tXbd8"
    "QaiV90aFOXGA5xXMum+q/x1om1YMRiQ0o0l0CrhsNf4Bvo1hBewWDjfUw2Z8bvcwqfP6YA"
    "Y8OU//gnNBtMp9+p4/2cPakjg5p6BMeGjgPwdtVdznjbe2PcZO4d74ufMlCHljmfsqD/bO"
    "lOLOYDGMzF1jFl1NZcijO49hyxzuamKSnkEUK8bNBFvGUIRqcjbW4i7RBavEDQVlPVVrur"
    "flK6qlpL0NWDCGFfNg0thmsCXtXhCBjjK7z+96urn376+eryp3e/vH3z889vf7n8Bfry90"
    "0++vlP8TIBtsRQHGfND81WF1/IgoUnliQ2/MlhNFcTUJwYAfb5/wn830w0Ox37Xv8Y/uHD"
    "4vj3sF1eAky176pJ2didwM8fr35Zgdwvjc7Nb43OGfQ6j6K4JR9diWeI7QC7tmVmYFdh8y"
    "nHcBPeSYMtlcC0B7sdTHsNAaoDtrQ+rmsdpXGrdK4J8AKd2j32tdPs4u+Fbbj4+1Z5vG//"
    "DVt0OjOtJbY1bh+arWui6VODxRlVLkq9y0Ood9l0ehcnk2Bx6kRzJkX2Qgzs5LbEuzc5EP"
    "3uTSai8VEU0fzUVGeaC4uDOUlc//endisd10nIGLp1Y+iS/yOm4SROghS0S6Tuens84Fu/"
    "xq8n3quTs35/OJnb7PVf+v1zfsLyUxkPWNOYwrbRoeFXPts1od+ovST845OH+tZHj62GFd"
    "RHQiHE1HF+N8NUP3to/DW+IG7u2+85xSzHHdt8FD7A+9jqoOybYVtsSnH+AmsjDncMK0MJ"
    "vXOITFNtKTllgkyhr0wuhc2HOzDtuTRJdVVzk5S/hSeuMaXp1I9CxmkvQS+8P8pzduZmyi"
    "tI0W0+KJ+6jYfHCD1uG10Fn1zx1mWs9Sx+MvqDkK/N7m8Ef5K/t1tKnGx+v+7fa/hO2ty1"
    "VGYtVE0P48Rr9poiZDY1x1XnzlqEjsNugdT72ewvktI2/QYsaB06RyErKpeZyvT7zIDh1q"
    "ByFPJoqFy7s60pnLAgT00tPDxDpy1gagItxhBe0iHMgl5s7J26hksYnrxEfnjyDN/qyCe2"
    "5tB6NHoKWTCwYaANnxaarauJJ9aVldU3+Wh6NY23aEwb8yWDGMb39AyBtmuMhFUvaST0nt"
    "VXGgnDvZ63ERKgowuUfw34ARTC4UcGpjW4IF1YG4MlrgbT+EaJwfhq8UYXBjwyh6Vv4wPD"
    "lqa+FMvgTqbYwB4oRimkh/sQlQqeoYJnGwAd419U5WQuZoaNwj1vjj0CQXufFtlK83lhkp"
    "JHrMGyCGuLQpXZFHxos3sBCSEgCkhNDrx+GuuTkHcfO9Tkfq4UAsiTn9vhvoihSiOoFt1k"
    "Qat8xT93KkjNdcNVvlGWLkoFT1cLU9hPpX7HPD5XGI0y/bWFLlCbDi1bR/enxSgINEAzMp"
    "xobAyg6MFw0XAqxB7R/Moh6AKFWZgDE2W5Wncxx/MS1R+1APnSXi58pfAvdgX1AOU7vt4l"
    "tMS7XBjesq7xzvAC/AfnYomRPT/gdseG77XsnQwrt+aWx3W3j1hBMlgKBlMd+vszE/BloY"
    "b2gSpG4fC13FOvP51Nxwas/WXRGf2PfWZCQ/8emW/OHKqZVM+ciXz9TekoBJ1y5D/Jq1e1"
    "P6vIg1JGHgSbch3veABdZqGo9tC+Ve7Vm44CIujtNYn87DHx8/Pjbfip/NljX5TOp2a7pX"
    "aUD81PXVjU0CXZFvRDgaj5JdzLa+mxx077oc0n8f5C37xskn/0WKd9f6/cqu8bNx+vSehH"
    "jymtL81Ou/WgtLoqjNBVbjhkanO09+dWRv/QgyjErXJz3+jEu3ut0b4dePUv8a6ysce67Y"
    "9KK8B+5Kf3tKN8gf/9p/In4EK5A/S2bhT8sLvmvYI0BqykNSMlW81uu9NsfVAf2/fNm7+J"
    "3qnNgPlO8w7WTLfR/fxJBSm29YGTIaUVKKd07tqdhwZOGYfIfobv3+00mi2cuqP8z2fQXx"
    "AirTXSF6jdan8Fwn+IdQ8/iEDctB8e75X46H5rtC++Ki6raF+vtce+Ku9/a7c/BjSLNQQ9"
    "/F0Tawh6wGZSIj1kQ1xiy6Om/HSVQ0v56SpTScFHUbXfF3XyqoI+QJkZ3qG1wAiGCxtUKk"
    "PKERhSovpH3t0ThSrzFqp9pDOXDKhj6JSrhSPLpsaYkSe6JI7FmyYGWt+XPOxOxHs4GAWE"
    "IjJZGPBtc+E9+l/LSNFQdzHB/rd3KIClyEKIga21Ekpmwdl11B4sAidNUu+C0pXlwvcgTg"
    "G/q7in8tduhHEmYqF85nnfbn3wuscDpOL4hs92XDVNP81e2FGoU8D7HpiITl3NMAtFG4ZA"
    "Ngo0XOs4qf3HaM646ksGc8N0DeZc4LT/Vdv/2t9NHKBviUqQZJVpJgK2P2fkZcGj/dFyDE"
    "68wOJrsDoZYeTHj+TsknCTMZzHRGP8sHV9G/GA4jEdQBH6HdYZ1etkzlzDJMIsdp487fc0"
    "Zyl8qTObfjOsuVM4lD8BuD8JsVZw69b6fXzJft9L2xI082llONzTEKb2r4ROZ64gMhf4DN"
    "tJCSLe5sB7FlGK0vsIyCxz884m9Pu5oAgQgJPklUOGGrOYMdRML3qnTmbePteYTvr9yIru"
    "95PU3sH4B8kmKWrFD0OtdVKUTUo6LKeVLvTCZMgYoKLIuhRZlxAV/tfHfyLoJMackpS4E7"
    "aWj3SZ8G+lB5d0uIOV2lR/8EY8LmpkxZdAs60tfLdshC8DGuAHdTkiOsqnbqd5062lLfct"
    "YPg0w3fi6I1u8xwIjjPoCtM5MZ1xsmWgPE+YGsAZMJiRGqNbIFDtKx1MLOvpVgy3LA0Jai"
    "0AESoomQEJEsJqiSLXbnk65TQjci30tL4qck2P9suRCCAXE5mZ2pDqoIW5FlfYA3P2rwSD"
    "Ir5RspgYJgUR3aauYfP4YNDpQLjHL0lLANjm0BuEqYUt83nCkAIcquLtZOxTzMJfPPgqNo"
    "CsXODFWe8imk7Mu9OJoswoPNUmk1SxVaWMrTqgb6xsru9dGyFim7ZIuEEMtIo7KHXcgU+t"
    "YhkcMbAT3FO7qZxU+Zz37HP2BLqiXCwKeTSJ3C+Sh3m0KsbColCnsLv2wsAE0tZhZHHIU0"
    "D5vhnagZxDpTuqX5ov4uUSoJTOiLKR49S8EceK363ZxqcWM1wL30ldwDdbi42Tub3xvvLh"
    "TogGO7WLhyoQ1lIM40rUtJRtGY/ZoPKYxnU6NDXgSWGLtVdwlldErJOZbblUxE3ac5M6PI"
    "hF1FZyhtYMiyphfDsPhUsbLqVc057m7bEeaxBYpBba2bEMFLfN27ZlEwMITDWeXK4RRhdh"
    "SHImkPtDeLQfvDkuZsvzqnB32U/0+goTb1W4e4cm3eC1EhjO1ttiYJXSVlxpq2ohrUWKYz"
    "NDVbWQSlMLaU8i4aMvBz0jHIY65hUT1VkU5lmJEQsbCmmMC04SPCp4pYtPHIrLTuQz86Zl"
    "YyKUF5EoaVuLpLC4nykrYe5Ihbky+etPWrTDJElhXN/kZpb4ICUW9bZ+Q0sNeNAUuFAduI"
    "5p4kHBdVqdYiMBrkNBEwXGprnEpJrjirwSxJSoV0yeKJ0JtjV35prpT5sjjXzrF79w5ppc"
    "BtnJnz7A8aZ+1jrwDUTQ0yGDJXmCWeteWpezZK72nf95c98krvYEZ8wzB1NiiexkhgMnpl"
    "YBCZUqeASkqFTBShXMCkmYz/Q1t1QUstpSpd5SHrGKbakoVLWlSm9daYLIPQOZmw2XHV5j"
    "uJZiWUl2qq+yqhhBd9UO+ueyqPDcf1AzHKChsHJM5y53thKHF5Uw3Am6rkJzYMWpOvwzc3"
    "nyjw2agLZMcbVtf/gUS8k/QLMx2NCYaTyuAWBr/1yVuhISM6oMipOzyETWQl4eGgGqWGg+"
    "qQQ3WgEcy+4VdvNh15ohQjILLafjOAJ0gpjefjVXr/ha0To0cbgyI7sWvS3eXyQihAWNgI"
    "YbrhxjsNncvYaDWhy8cF7DAT7V3OEEryyj30GiMJeZdWm2P8veTc0oqhQyLvoQR2xdbOqO"
    "Xz+KuYZrSB+VkN+AYiZQyp3bDMuIUWbNxxPiWtCG0wrizrSlaWl6cmlseexDl7qrLFynqo"
    "6XREV8oIDmYS1FL5RPViqD06DPswpgm1Ei+ns33cgAX272x42Hd9rY1gILDINaSZH8nJuP"
    "gNmIX4MlKnVikLlDuTKHyy/JB3Y+W6p6GIrx5thcqR2G48e90Ltvmgmbq1IWT05ZPGwsZq"
    "lE650oMWLjJBB8Byd5ViKRBxFD8QhBjhDJK3B62/78/l4hjx3lpom3vkRPQP4Qm6DB8PIr"
    "GvcvKlmudguyoD3VQH6muih8i1KjV/YGzoiefxMgHij8u8iDODnwOtyld1D8tVcjfhlUeE"
    "Vi441tOcsVVal4h+ZUZUjFqzLFtpcpdtP4dNO4VWpJXrYF9JY213Hv7GwvE247T9NfGwdS"
    "vfC/rjaupSlf3rPV6hf/Mld2e04Dy952qbqMv0medXNJe3uluxzxcbRKd6ncLwfQXLLxm6"
    "W4nASGL6/yWNmxWzaO+cOXpL2UkJ9UlSb2UWmiDBKMp15kSTEh9SNbkgmpPPksycYUY3sA"
    "mtj+MvDEzQvSxmT5fh+vUp87/T7eWWHLu9Mdcob5Dn9Dr493+W1KfPqO5lgtabH5dACNua"
    "3GUSfPDqvOgmTgUNcv813JeEfJk1fJeHLpJSiQif4A4JROxqsf3/z85pef3r3xke+3rMJ5"
    "0qYm2EK6WPd8+lgAvcfbhzjLqhXDrwDCq5rhvx4L7hf3/spp99xxEldVruFQOToTmMKeaT"
    "b8hPOzUCJdCujxBr1sg0A7CTEZgQgxtym/97gQeRKA5SAOzncyxJEGPsRo6kmySm31oE6B"
    "a0XPh6u3eQ4I6JV5QvBnsX2AfGZh2U9FMB0BqhCdC9FxZaIAulNAK6TnQjqfDQsg6nMRK6"
    "s6FN5CT+H4K0ImVo6yZhhFyWix4ygKzXaNkTZ01RF6ywpV8kgBPb3Fv/2w+yqEdp21fhQh"
    "tFWS+GE8Vj4nSjPZ5WBgqZa7E2BeJ3N9cenWdOW2KhM5NnZbpRdI9/jDFnDcCA11XBwlL2"
    "5jzHSD6ujaXDdcld/q7qiao3p3k6bwnAI10hs4qvKNHuPl0Fk0iK7WENoqVK1EVajc+WaY"
    "il6deiJcM3rg8yDITe8n8LOyThFFGnMWVFx+5NsjZI70hnjr+AN2xHil2Y+1m/bD473SRc"
    "9aOK7WnWgu8RAi6ryKN9/0euSI7Ugbb4hYGQIi41lPZVEWiqwJJ32PgFogvmBR4pGRVmPU"
    "w22b0a4F/+RZunLQx2DMUqzc7aC5UEySdznLo2Uaw2UtNS4p1qe+Osravz5mFnTPUfDIps"
    "7EMkVCOsazi6B3g/EfkauzsTKRNXexRIG14PtY4tch8F7m0i9+GbzLD+Jd0qtr7nnu1VFN"
    "kUu7Y6FNVTRQKaOBylRs+tC2hx2beFx/qxZxvkehyuF5X6sWCNZtCz6GaA7p9yWXDvjNhe"
    "Q3glv3+0Ss2fQqcBuNdmB/f1V+8zn54CScFVX5zf05KyoTemVCLx85tmhCP1TqR+wOzJVq"
    "VnBPZi41axF0z5UMMqO2YfE7DkGl1udCLgG40UiU/9FCNy7WycBgjEJvUQZImlJeOcRXzI"
    "lUzNOzQnY1Gd7iiPILxn7D6jaG4iZIAEHBCn7YlAyt6WyOdwIt8JJH1NUEqjBjWhTjxbJm"
    "c1jTNn8qJB1xJSTofiPLHgIKYdgew5q34soPXvjIG4jxNBYci8/Ei6dNL8g9bC0CmwmIRs"
    "Q5hJKVMFb2+3X4wR/yC08WmA3DL7Gc0B4DdPGAFfxU+S38LsuCimM9Rx5ygHe5Y8Q3qZTx"
    "Xxvmx1SqaqWqlvtQ2bWqenp54FxhxKKQ1AaeDC/Mq4Dz64gkPzyTQ11z/g282XY5bwOecn"
    "4teS4yUAOax0AJPwOQWTAMKJupOurup9y/oA0zush6i9a3jcOVer1EK896Ry6R3yCcMw5W"
    "oUXC8nrzFh5sXgc8pzX8MYJzOemk2cHwe2YR8sTli7aoCSMOWxkxSm3EiApXaxBaQlZkLj"
    "WZQZ4H0s3TpKtVQm4ErLKgFBR3E+l562TmHbtr4BEONvkp16Bg/tGr8QXl9FABuLi4AIWs"
    "V5saoMqxMbaxP0HvtJg8OqV6DTLWAN8gcdRuffQDuw5AqUUsc7W2wFqJgR3vciltDqduG6"
    "NCNf59gOMlRnR3uUmrlihwkBZa4Nm7MLig7pmRSLBMXz23l3cx24GX0PEVk1hDtWp/vCbt"
    "jz32tdFpNVsfron8o8duO8277jXh//VYs/Xp891d86aptLoqiEiNa5Joiq+QXHmXeZShFW"
    "XHkkXH+EZGe3b2IZ4pP6XC7k+OutytELW1Mithq3MxATUOeTK43bOAmhmxnH3AhUCO+Ijr"
    "UM00/kV1WbjW8YRDubAwms6pY2FbxFTKBdiFwQ8tYAaOnEICZhSsHARfp0gIlzIEsbjfjF"
    "OvHioNVycgXbga/je2NZ2m3E603hDlIby6mSSSPtJRSCW3yodO4xbj772/jkkSqZLgM1F/"
    "Sra6Kgm+uim9BNg/pS2ViCnJr2EkQCsz+PpaRhXFuV/kr4ji1CNZuBuGcp5kSm89FsWZ4A"
    "Q5qiFUsbJ7jZUN52e+nLTibhBBuphYTihCc0YxbNVwyZmIIX0tWzyU8BjOZObhLlNoC0Yo"
    "J1JiUyKU09JmsyOUUzN38ySCUuKtgNcYx0ic+XSq2UsRLRzJ5Q6FFAu6BHG/GqZ4Y8zPBW"
    "n6hektDKt1aEoo0V5mxZjlft8zUcuw334/5FSENszFElnrmmlw0Ve+Ct7NnJZcKpDLfTLX"
    "3L9aJ8I3W+8x6ZH1Gsjvc4252LtOplRjnruH6bB+iE6/GXxz1gnG2FkzMoTpxxafGXv2aj"
    "x+qlfLikau0lXLIpDUSXYMcBWjUsWoVIWjq2iQIyBMZYldhxRHZzaqLLFVhu+LOPvLdHf0"
    "C5GEqwTrshiNkuaLHJd4e0W9cpJi0yu8D7op8lJhxQXeGXTY0DQUXd6plqHEDnjmHuZ8xq"
    "AGj+fRRT0uEawKpHKJfzk2Gl5C1w2KXG60VQgjsrxdO2nv2ebAzxtCInnXu7yGMOosrVK4"
    "j/XQqq8w3/D/C4jJXv/tCMiHJcDuxePq7rtD3X1X6fprkaLS9Stdv4q6etFbytMHMpw6z1"
    "oVDuDVKZjVUfviyeWy4JInmF+QhulYXH7XTNMaaq5lo8vWc9iKe5edax+ElwJhwE54gX10"
    "2XPRPqEg7HrCHsMhuPqB9a2sBYHBnuoExpZDcBVEpwwxh4UtUA1BBcSrOTV30gPet500JC"
    "LwVd2waXEXSSrw8TpKQikJXIGsk4kxxpIisAhMa0Hta7KYGMMJWWhLJLXhkAF1YRVgCTKb"
    "8mUDcMIlz/ASC3wlR1s6ojTJwnBSkl/2NekBnD0J61yemKPqMpHaCmtRRkBudZnIS7xMpH"
    "ZLGeYQAXOVJqvIjRhw2vRqvs0LjjFR+P7BP3AGS4/z/LVXQ86CBfH5KxIby2iV6+YMbnw8"
    "sXszUgS9bWBpAxv5MWAqfguFkRZvUwxpyUswThxxMrhxW3gLqtqeIt4S0a4bh0EXvqLmSP"
    "FWgvjxo8HcbiPA44hLdfSlYHdVDHicunn9frI7cS0iByGakE5AA3fhL8flssgMdSNxW4/D"
    "4/DJWftRaaFu1Lj52Gp/vVduPyi353VCGS/ozGUajQkhJs0xuMeZC3oOfe/7aq8eHzblvj"
    "cVX1L1va/5PIphj78cZ0e+S0xxpzuYpnJjltKN6ZN7ndIIPvD+PAE13NxFzUUIc03w3x4L"
    "M4XrCIvosdCFhf6f0Npo3Sj397zV+zOfvhXzLbzL41qIW7BDnoV3iWuYbGM8FlbTdcgXAi"
    "+zK6f20Gh9btxfE/F/vLTWo9K5a3cekDLXJPSjHCQ6YKX3khnKdl3F2aaaUyxaIIA4Bfzu"
    "O1AgLh8U8WvGYSvPZqk9mwG5ioULxOHKfMqUKWAAFEkghUn18Vq7KwV8CxvsiNjdse2vCM"
    "GKbbEU0FM4zPZx9YdpOevFuYUBq41V5o0lSVUwyC0MVG2m/JtJLS6Cx+FOAd37FsQ15izQ"
    "SwwrtnBGWxJ2reCzPVV+Cdlnwu5zXg7E+xJ51wEXPHO6xavqYIdkTgdBvrzNpyj2I2Bl3i"
    "l7qpFU5Y+Wai9tMX80uVm2gOE1ohCOdb9sZ8Q16RthUzkIHJICtkLlQoFNxyI7rDfCmhRM"
    "ymWlukhbUhdj/FKiE0JP66vCErzEB1d2fC4eIZsPpl7JHEpmT7uFuXJIl9IhfXr39ZZJT/"
    "+mmfNCacs+wCli+DLXpQXYLRvHl8mLC8pUXubQCC+DgpBZ1WTXok3ZqLGFyiY3jU83jVvl"
    "UILHVzqYWNZTmtThPVopcixCnZ4Pf2Tkt2738RNeYj6zAF1C1rPpkBrfqCOyDzF1iYgkKH"
    "71+cgwMedrqrnDSahUrJzY+aFOkE4/CIiLqZ6iOuxpXqyDi1qKgBSJjg6oZ6iciGud8N4b"
    "/oc1dwfW9zrRiIwZwouf+v1QBli/D1MaY5uHBQNnrWONXTm5KsBVCdvvn9f99+SXwTvuNd"
    "btnWqv4Z2NqYHVdjEP0eHXzPf7982PiqzTa9Px3NRsEgpDxE49JmJAcU04VV3csjPrVQLg"
    "3E4x5mQLKLL7CYonV5dv8kiA2C37ViX+sKqtUg5PDWWIhzTuYlkm1VhWLKAPFUP6AMB2tc"
    "w9xrNftL9vt+8jaH/fjOP188N7BYRyTgPoZLgZJn5+LMnhCyzzGFiZ+UqN5003REI9P/kw"
    "43xBKROnqVPnRfDh1IbFpWPiOZ6gGq+wb4o8dOiFF4nXHzvth3ZXua3fKuL/fj9FLtn5dA"
    "fen8IuPtMwa79ggYUE5EbVFfZkE+XqzGv8euK9Ojnr94eTuc1e/wXkNKI5ZAwyJ/uVD3/N"
    "y3AsZb7NGZJXSqDaAGQ8wizxKEWm3e1UB66PLagPoin9XoTVxMBKfKLW+n2pZbnWE2XOhT"
    "O0ZnjZhSCl+Iaz6CY4h31OFqi4BBqEJ/YLGgt2we8ulzDJdbPPiQ8uHfgx/8VOrBhcmdeR"
    "EnrX2OmB7KAeXOpSd1xtDIsAjobzKEsIfe8FUQRT4Aoy5y7MSqyhfUzaY6Ee5EyUHRLaMJ"
    "yLjrY85/o1s1ziabgDLBNThoXH99Rax14S8hiOPTR68Ep2KJRwvvLKkQcN/yByJiiPxOIN"
    "+nld1vZBniGtGmSoMVkFyqHISRy3ziUetMZwvpTuFN7bzAc+FMXaKHwoxsBKzMxKq2Y6FN"
    "ZYoXSzAKLM+k6ZHGkzm34zrLmjFkd2CmiJVznnWeJN4ewcWbKSmQlMh9iWK28q47ekkTM0"
    "3wJbwpvKhpoNx+bAAkHLMcZMXJx0TuZ48RlnVPT7zLCX6Txyx/MdfLmo/GWos0b2weqRqn"
    "SEUqcjVLWVXxKZq9rKVW3laktt50Z7w+FOkDVSjFJAyyxufZ3w6rELzSHem6MKSIVHXgo8"
    "S7Kw7CfQ/3RDRBJrImSAvPnxknzAskh+jUkZNWCn2GR3O9UBlKBEDFB2kErYHerJkCl+uQ"
    "IVz2T8ya1E2/EyjP3WO5Noa7gunc5Si53FetRzxPeoWqjzs3E+bVjEfEl7Ncf4ZdP++kfL"
    "CjcnD9HUB8+MlODwNccoWHrMG09GZlUluU4xAGaNgg+VCFN+EQaLpYHaPgSmlaRv5taKQZ"
    "U955CzQPHOnqsN5QmGRRydGRCXCg54ZtMR3pxQJ7gydfTS1ckA716geLeb4xqMH7cZiVW7"
    "mWbHNzjoc+EPUqcpkkbmAohBnVJU+NYw6xFdpd+H1J6l8M9VRcCSsGXWD0TErg0SxmDpUl"
    "4tXsject0PLH1Zh7WNHEMnoHwblLlmhp113YEO7Sm3bSul6uEKF7kHUGLKltadFBM684uF"
    "McBTYl2HTWjRQzrmhhktp6u11mNJLbHVWMKsFp8I2UpwmE7Pa8HhdZJPDeYxdtzGE0owwY"
    "uvQJmdARXOibXALGeL196W8/xKFrYBCjfDkJZQzJXMIuFjvHIwDpQ5Go+zSdef9zU5Jr74"
    "ySmvDb3fx8NPxPlIwwEWE+/3p85YhYf/BiMZ/HYwGMjQ+e1gnq3LgRPytT6fmcYQtgw0B+"
    "akdRR8IdMiIIPDzDNjoI16E0U/VuLbWx6VEeG4T4j6CiNCEMZexAcVhSqzD4qLr4JNiF3N"
    "+YS/qy+QX6TFsOcH23P54mDnJ4mVrxL7fM8JC7VHpXXbbH2oFaScBMNi3fyPHrtV7ptflA"
    "5W1vD/7LG7RpMXXRf/xymZy+O49XLekiEXUeDDIOW92VNa1x0y1XQKZ3Bwki3R0GK7MlVT"
    "eHsu07JW1xlhx4aB+CGaoNpqu2oK+NEE2NS+okVM87x3U21J8HOIqz1RYrjXRJ9jOPKiTr"
    "QRJg5rBGVZazQSApdsG5qaMQWpx6SaQ6WpzQIGRHQQwdI8inuZ84StxFWIUCZvPyUyYzjj"
    "BowpBfxoGNOLpLc8Cdfa2HHYitJlpnSoJkbxarwJ2DL7+1p4MI9860zpSoZGSlhGTB75KR"
    "KFqyzY27Jgh+rwbMeAfYSEyGu4jq7BdLt1BgfaAn5LeDf7s5wntcO6lTgTPLlwJc6E+UC1"
    "N77QNxkUdyKrf6fBhg1qG8NJLcW/Ip/UV7lVtKDPVkuVblKX6qWY0zc0CWUbyjOLA66oiR"
    "mAlNlEvmaaxtXbt3mqTr19m110Cp/F7KawqQpgWHY/Qez+eHmZxyZ9ebmi4uhl4vYVi7mp"
    "p3125n4IZKOU/bJhex9Z7gXSDLZ/mP35/2Tga5Y="
)
