from ninja import Router

from amends.comms.messages_api import router as messages_router

router = Router(tags=["messages"])
router.add_router("", messages_router)
