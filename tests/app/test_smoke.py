from tests.support.helpers import Api, promote, register


async def test_register_and_promote(api: Api) -> None:
    assert await register(api, "churn", 2, metrics=[{"name": "auc", "value": 0.9}]) == [1, 2]
    result = await promote(api, "churn", 2)
    assert result["changed"] is True
    assert result["deployment"]["version"]["number"] == 2
