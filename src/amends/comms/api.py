from ninja import Router

from amends.comms.messages_api import router as messages_router
from amends.comms.share_api import router as share_router

router = Router(tags=["messages"])
router.add_router("", share_router)
router.add_router("", messages_router)
