"""Instruction templates per kind of instruction, in English and Russian.

``{area}`` is replaced by the area's description. An issuer may edit the text; the
template is where composing starts (as in the WMO CAP Composer and the IFRC CAP Editor).
"""

from __future__ import annotations

from marchwarden.core.alerts.model import Instruction

TEMPLATES: dict[Instruction, dict[str, str]] = {
    Instruction.SHELTER_IN_PLACE: {
        "en": (
            "Take shelter now in {area}: go indoors, to a basement or an inner room away "
            "from windows. Stay off the roads near the border. Keep your phone charged and "
            "follow official announcements."
        ),
        "ru": (
            "Немедленно укройтесь ({area}): зайдите в помещение, в подвал или во внутреннюю "
            "комнату без окон. Не выезжайте на дороги у границы. Следите за официальными "
            "сообщениями."
        ),
    },
    Instruction.EVACUATE: {
        "en": (
            "Leave {area} now. Take documents, medicines, water and warm clothes. Go to the "
            "assembly point or to the nearest open shelter; help neighbours who cannot "
            "leave alone. Do not return until the all clear."
        ),
        "ru": (
            "Покиньте район ({area}) немедленно. Возьмите документы, лекарства, воду и тёплую "
            "одежду. Идите к пункту сбора или в ближайший пункт временного размещения; "
            "помогите соседям. Не возвращайтесь до отбоя тревоги."
        ),
    },
    Instruction.AVOID_AREA: {
        "en": (
            "Avoid {area}. Do not travel there; if you are there, follow the instructions "
            "of police and emergency services."
        ),
        "ru": (
            "Не приближайтесь к району ({area}). Не выезжайте туда; если вы там, выполняйте "
            "указания полиции и спасателей."
        ),
    },
    Instruction.ALL_CLEAR: {
        "en": (
            "All clear for {area}. The danger has passed; you may return. Report damage "
            "and unexploded objects to the emergency services; do not touch them."
        ),
        "ru": (
            "Отбой тревоги ({area}). Опасность миновала, можно возвращаться. Сообщайте о "
            "повреждениях и неразорвавшихся предметах в экстренные службы, не трогайте их."
        ),
    },
}


def instruction_text(kind: Instruction, language: str, area: str) -> str:
    """The template for ``kind`` in ``language`` (its primary subtag; English if none)."""
    texts = TEMPLATES[kind]
    primary = language.split("-", 1)[0].lower()
    return texts.get(primary, texts["en"]).format(area=area)
