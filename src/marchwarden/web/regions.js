// Regions by their name in the reader's language where the API gives an ISO 3166-2 code
// ("Belgorod" / "Белгородская область" for RU-BEL): a duty officer reads names, not codes.
// A code the bundled regions do not have is shown as it is.

import { t } from './i18n.js';

/** Each bundled region's name (regions.geojson), through the catalogue. */
function names() {
  return {
    'RU-BEL': t('region.ru_bel', 'Belgorod'),
    'RU-BRY': t('region.ru_bry', 'Bryansk'),
    'RU-KRS': t('region.ru_krs', 'Kursk'),
    'RU-ORL': t('region.ru_orl', 'Orel'),
    'RU-VOR': t('region.ru_vor', 'Voronezh'),
    'UA-09': t('region.ua_09', 'Luhansk'),
    'UA-14': t('region.ua_14', 'Donetsk'),
    'UA-59': t('region.ua_59', 'Sumy'),
    'UA-63': t('region.ua_63', 'Kharkiv'),
    'UA-74': t('region.ua_74', 'Chernihiv'),
    'BY-HO': t('region.by_ho', 'Gomel'),
  };
}

/** The region's name for `code` (null and undefined stay as they are). */
export function regionName(code) {
  if (code === null || code === undefined || code === '') return code;
  return names()[code] ?? code;
}

/** The region's name with its code, where the code is worth keeping (facts, tables). */
export function regionWithCode(code) {
  const name = regionName(code);
  return name && name !== code ? `${name} (${code})` : name;
}
