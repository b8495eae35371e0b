//! The Vladimir region demo: real clusters, colleges, enterprises and
//! specialty codes (from the region's public facts, copied here), with
//! generated pupils, seats and demand at the real scale.
//!
//! Counts of pupils per school, grade and interest and the enterprises'
//! demand are not public: they are generated, deterministically. Codes and
//! towns marked unverified in the sources are fine for a demo, not facts.

use crate::db::{DbConnection, organizations, users};
use crate::domain::{OrganizationKind, Password, Role};
use crate::synth::{
    Catalogue, ClusterSpec, DemandPlan, EnterpriseSpec, InstitutionSpec, Loaded, ProfessionSpec,
    ProgramSpec,
};

const MACHINES: usize = 0;
const GLASS: usize = 1;
const CHEMICALS: usize = 2;
const FURNITURE: usize = 3;
const HEALTH: usize = 4;
const EDUCATION: usize = 5;
const SERVICES: usize = 6;
const IT: usize = 7;
const TRANSPORT: usize = 8;
const AGRICULTURE: usize = 9;
const BUILDING: usize = 10;

/// The region's clusters (real) and, for the rest of what its colleges
/// teach, fields grouped like clusters so that pupils' interests and the
/// heatmap cover the whole intake (a demo grouping, not official clusters).
const CLUSTERS: [(&str, &str); 11] = [
    (
        "Климатические системы и машиностроение",
        "машиностроение и климатическая техника",
    ),
    (
        "Стекольный кластер «Стеклоград»",
        "стекольная промышленность",
    ),
    ("Химический кластер", "химическая промышленность"),
    ("Мебельный кластер", "мебельная промышленность"),
    ("Здравоохранение", "отрасль (демо-группа)"),
    ("Образование", "отрасль (демо-группа)"),
    ("Сфера услуг, торговля и экономика", "отрасль (демо-группа)"),
    ("Информационные технологии", "отрасль (демо-группа)"),
    ("Транспорт", "отрасль (демо-группа)"),
    ("Сельское хозяйство", "отрасль (демо-группа)"),
    ("Строительство и энергетика", "отрасль (демо-группа)"),
];

/// Professions by specialty code. The first fifteen are the region's facts
/// (18.02.05 is marked unverified there); the rest are real codes of the
/// national list (ФГОС СПО) that the facts do not name: plausible for the
/// region's other colleges, chosen for the demo.
const PROFESSIONS: [(&str, &str, usize); 31] = [
    (
        "15.01.32",
        "Оператор станков с программным управлением",
        MACHINES,
    ),
    (
        "15.01.38",
        "Оператор-наладчик металлообрабатывающих станков",
        MACHINES,
    ),
    (
        "15.02.15",
        "Технология металлообрабатывающего производства",
        MACHINES,
    ),
    ("15.02.16", "Технология машиностроения", MACHINES),
    (
        "15.02.17",
        "Монтаж, техническое обслуживание и ремонт промышленного оборудования",
        MACHINES,
    ),
    (
        "15.02.06",
        "Монтаж и эксплуатация холодильно-компрессорных машин и установок",
        MACHINES,
    ),
    (
        "08.02.07",
        "Монтаж и эксплуатация внутренних сантехнических устройств, кондиционирования воздуха и вентиляции",
        MACHINES,
    ),
    (
        "13.01.10",
        "Электромонтёр по ремонту и обслуживанию электрооборудования",
        MACHINES,
    ),
    ("22.02.06", "Сварочное производство", MACHINES),
    (
        "27.02.03",
        "Автоматика и телемеханика на транспорте",
        TRANSPORT,
    ),
    ("09.02.07", "Информационные системы и программирование", IT),
    (
        "18.02.05",
        "Производство тугоплавких неметаллических и силикатных материалов и изделий (стекло)",
        GLASS,
    ),
    (
        "18.02.12",
        "Технология аналитического контроля химических соединений",
        CHEMICALS,
    ),
    (
        "18.01.34",
        "Лаборант по контролю качества сырья, реактивов и готовой продукции",
        CHEMICALS,
    ),
    ("35.02.03", "Технология деревообработки", FURNITURE),
    // Plausible: national codes, not from the region's facts.
    ("34.02.01", "Сестринское дело", HEALTH),
    ("31.02.01", "Лечебное дело", HEALTH),
    ("44.02.02", "Преподавание в начальных классах", EDUCATION),
    ("44.02.01", "Дошкольное образование", EDUCATION),
    ("43.02.15", "Поварское и кондитерское дело", SERVICES),
    ("38.02.01", "Экономика и бухгалтерский учёт", SERVICES),
    (
        "40.02.01",
        "Право и организация социального обеспечения",
        SERVICES,
    ),
    ("38.02.04", "Коммерция", SERVICES),
    ("43.02.16", "Туризм и гостеприимство", SERVICES),
    ("09.02.01", "Компьютерные системы и комплексы", IT),
    (
        "23.02.07",
        "Техническое обслуживание и ремонт автотранспортных средств",
        TRANSPORT,
    ),
    (
        "23.01.17",
        "Мастер по ремонту и обслуживанию автомобилей",
        TRANSPORT,
    ),
    (
        "35.02.16",
        "Эксплуатация и ремонт сельскохозяйственной техники и оборудования",
        AGRICULTURE,
    ),
    ("36.02.01", "Ветеринария", AGRICULTURE),
    (
        "08.02.01",
        "Строительство и эксплуатация зданий и сооружений",
        BUILDING,
    ),
    ("13.02.07", "Электроснабжение", BUILDING),
];

/// A program: institution (index into the list below), profession code,
/// entry grade, months, seats and targeted seats at the region's scale.
/// The cluster colleges' programs follow the facts (codes and what each
/// college trains; the Gusev Glass College's 265 first-years of 2024);
/// their seats are invented around the facts' «about 25 budget places a
/// group». The `(сводно)` institutions stand for the rest of the region's
/// colleges, one large program per field, sized so that the colleges'
/// first-year places add up to the facts' «over 10,000 first-years» (an
/// assumption of the demo, as are the universities' seats).
type Offer = (usize, &'static str, i32, i32, i32, i32);

const OFFERS: [Offer; 61] = [
    // Gusev Glass College: 265 first-years in its first Professionalitet intake.
    (0, "18.02.05", 9, 46, 100, 30),
    (0, "18.02.12", 9, 46, 60, 10),
    (0, "18.01.34", 9, 34, 50, 0),
    (0, "18.02.05", 11, 34, 55, 15),
    // Kovrov Energy and Mechanical College.
    (1, "15.02.16", 9, 46, 75, 15),
    (1, "15.01.38", 9, 34, 75, 15),
    (1, "15.02.17", 9, 46, 50, 0),
    (1, "13.01.10", 9, 34, 50, 0),
    // Vladimir Chemical-Mechanical College.
    (2, "18.02.12", 9, 46, 50, 10),
    (2, "15.02.17", 9, 46, 50, 0),
    // Petushki Industrial and Humanities College.
    (3, "18.01.34", 9, 34, 50, 0),
    (3, "13.01.10", 9, 34, 50, 0),
    // Murom State Engineering and Technical Academy (college programs).
    (4, "15.02.16", 9, 46, 75, 10),
    (4, "15.01.32", 9, 34, 75, 10),
    (4, "15.02.15", 9, 46, 50, 0),
    // Kovrov Transport College.
    (5, "27.02.03", 9, 46, 75, 0),
    (5, "13.01.10", 9, 34, 25, 0),
    // Vladimir Polytechnic College.
    (6, "15.02.15", 9, 46, 75, 0),
    (6, "15.02.17", 9, 46, 50, 0),
    // Vladimir Industrial College.
    (7, "22.02.06", 9, 46, 75, 10),
    (7, "15.01.32", 9, 34, 75, 10),
    (7, "15.01.38", 9, 34, 50, 0),
    // Vladimir Construction College.
    (8, "08.02.07", 9, 46, 75, 10),
    (8, "15.02.06", 9, 46, 50, 0),
    (8, "08.02.01", 9, 46, 150, 0),
    // Vladimir Aviation-Mechanical College.
    (9, "15.02.16", 9, 46, 75, 10),
    (9, "15.01.32", 9, 34, 50, 0),
    // Vyazniki Technical and Economic College.
    (10, "35.02.03", 9, 46, 50, 10),
    (10, "09.02.07", 9, 46, 50, 0),
    // Vladimir State University (bachelor's, after grade 11).
    (11, "09.02.07", 11, 48, 1250, 0),
    (11, "15.02.16", 11, 48, 250, 50),
    (11, "18.02.12", 11, 48, 150, 30),
    (11, "15.02.06", 11, 48, 300, 0),
    (11, "44.02.02", 11, 48, 950, 0),
    (11, "38.02.01", 11, 48, 850, 0),
    (11, "40.02.01", 11, 48, 700, 0),
    // Kovrov State Technological Academy.
    (12, "15.02.16", 11, 48, 250, 60),
    (12, "13.01.10", 11, 48, 250, 0),
    (12, "15.01.32", 11, 48, 150, 30),
    // The region's other colleges, one program per field (aggregates).
    (13, "34.02.01", 9, 46, 850, 0),
    (13, "31.02.01", 9, 46, 300, 0),
    (13, "34.02.01", 11, 34, 200, 0),
    (14, "44.02.02", 9, 46, 450, 0),
    (14, "44.02.01", 9, 46, 400, 0),
    (15, "43.02.15", 9, 46, 750, 0),
    (15, "38.02.01", 9, 34, 450, 0),
    (15, "40.02.01", 9, 34, 500, 0),
    (15, "38.02.04", 9, 34, 300, 0),
    (15, "43.02.16", 9, 34, 200, 0),
    (15, "38.02.01", 11, 22, 200, 0),
    (16, "09.02.07", 9, 46, 800, 0),
    (16, "09.02.01", 9, 46, 300, 0),
    (16, "09.02.07", 11, 34, 150, 0),
    (17, "23.02.07", 9, 46, 650, 0),
    (17, "23.01.17", 9, 34, 300, 0),
    (17, "23.02.07", 11, 34, 100, 0),
    (18, "35.02.16", 9, 46, 300, 20),
    (18, "36.02.01", 9, 46, 150, 0),
    (19, "08.02.01", 9, 46, 400, 0),
    (19, "13.02.07", 9, 46, 300, 0),
    (19, "13.02.07", 11, 34, 50, 0),
];

/// Workforce plans: enterprise (index into the list below), profession,
/// yearly replacement need and growth steps `(years after the academic
/// year in progress, more a year from then)`. The enterprises are the
/// region's facts; every figure is the demo's assumption, in the order of
/// the facts' «about 12,000 specialists a year» for the whole region, with
/// the `(сводно)` employers standing for the rest of the region's economy.
type Plan = (usize, &'static str, f64, &'static [(i32, f64)]);

const PLANS: [Plan; 63] = [
    (0, "18.02.05", 25.0, &[(3, 15.0)]),
    (1, "18.02.05", 12.0, &[]),
    (2, "18.02.05", 8.0, &[]),
    (3, "18.02.05", 10.0, &[]),
    (4, "18.02.05", 6.0, &[]),
    (5, "18.02.05", 5.0, &[]),
    (6, "18.02.05", 10.0, &[(2, 20.0)]),
    (6, "18.02.12", 5.0, &[]),
    (7, "18.02.12", 35.0, &[]),
    (7, "18.01.34", 20.0, &[]),
    (8, "18.02.12", 10.0, &[]),
    (8, "18.01.34", 12.0, &[]),
    (9, "15.01.32", 60.0, &[(2, 40.0)]),
    (9, "15.02.16", 25.0, &[]),
    (9, "15.01.38", 30.0, &[]),
    (9, "22.02.06", 20.0, &[]),
    (9, "13.01.10", 30.0, &[]),
    (9, "15.02.17", 15.0, &[]),
    (10, "15.02.16", 15.0, &[]),
    (10, "13.01.10", 12.0, &[]),
    (10, "15.01.32", 15.0, &[]),
    (11, "15.01.38", 15.0, &[]),
    (11, "22.02.06", 10.0, &[]),
    (11, "13.01.10", 15.0, &[]),
    (11, "15.02.17", 10.0, &[]),
    (12, "15.02.16", 10.0, &[]),
    (12, "09.02.07", 8.0, &[]),
    (13, "15.01.32", 15.0, &[]),
    (13, "15.02.17", 10.0, &[]),
    (13, "13.01.10", 10.0, &[]),
    (13, "15.02.15", 10.0, &[]),
    (14, "15.01.32", 15.0, &[]),
    (14, "22.02.06", 12.0, &[]),
    (14, "15.02.15", 10.0, &[]),
    (14, "13.01.10", 15.0, &[]),
    (15, "22.02.06", 15.0, &[]),
    (15, "15.01.38", 10.0, &[]),
    (16, "08.02.07", 25.0, &[(2, 20.0)]),
    (16, "15.02.06", 40.0, &[]),
    (16, "13.01.10", 10.0, &[]),
    (17, "15.02.06", 30.0, &[(4, 15.0)]),
    (17, "08.02.07", 10.0, &[]),
    (18, "35.02.03", 25.0, &[(4, 15.0)]),
    (18, "15.02.17", 8.0, &[]),
    // The rest of the economy, in aggregate.
    (19, "34.02.01", 520.0, &[]),
    (19, "31.02.01", 140.0, &[]),
    (20, "44.02.02", 470.0, &[]),
    (20, "44.02.01", 180.0, &[]),
    (21, "43.02.15", 330.0, &[]),
    (21, "38.02.01", 500.0, &[]),
    (21, "40.02.01", 430.0, &[]),
    (21, "38.02.04", 120.0, &[]),
    (21, "43.02.16", 80.0, &[]),
    (22, "09.02.07", 800.0, &[(3, 80.0)]),
    (22, "09.02.01", 120.0, &[]),
    (23, "23.02.07", 320.0, &[]),
    (23, "23.01.17", 150.0, &[]),
    (23, "27.02.03", 30.0, &[]),
    (24, "35.02.16", 150.0, &[]),
    (24, "36.02.01", 70.0, &[]),
    (25, "08.02.01", 260.0, &[]),
    (25, "13.02.07", 130.0, &[]),
    (25, "13.01.10", 40.0, &[]),
];

/// The region's clusters, professions (by specialty code), colleges,
/// universities, enterprises and towns, with its programs and workforce plans.
pub fn vladimir() -> Catalogue {
    let clusters = CLUSTERS
        .into_iter()
        .map(|(name, industry)| ClusterSpec {
            name: name.into(),
            industry: industry.into(),
        })
        .collect();
    let professions: Vec<ProfessionSpec> = PROFESSIONS
        .into_iter()
        .map(|(code, title, cluster)| ProfessionSpec {
            code: code.into(),
            title: title.into(),
            cluster,
        })
        .collect();
    let code = |wanted: &str| {
        professions
            .iter()
            .position(|p| p.code == wanted)
            .unwrap_or(0)
    };
    use OrganizationKind::{College, University};
    let institution_rows: [(OrganizationKind, &str, &str, &str); 20] = [
        (
            College,
            "ГАПОУ ВО «Гусевской стекольный колледж им. Г.Ф. Чехлова»",
            "Гусь-Хрустальный",
            "info@gsk.demo",
        ),
        (
            College,
            "Энергомеханический колледж КГТА им. В.А. Дегтярёва",
            "Ковров",
            "emk@kgta.demo",
        ),
        (
            College,
            "Владимирский химико-механический колледж",
            "Владимир",
            "info@vhmk.demo",
        ),
        (
            College,
            "Петушинский промышленно-гуманитарный колледж",
            "Петушки",
            "info@ppgk.demo",
        ),
        (
            College,
            "Муромская государственная инженерно-техническая академия",
            "Муром",
            "info@mgita.demo",
        ),
        (
            College,
            "Ковровский транспортный колледж",
            "Ковров",
            "info@ktk.demo",
        ),
        (
            College,
            "Владимирский политехнический колледж",
            "Владимир",
            "info@vpk.demo",
        ),
        (
            College,
            "Владимирский индустриальный колледж",
            "Владимир",
            "info@vik.demo",
        ),
        (
            College,
            "Владимирский строительный колледж",
            "Владимир",
            "info@vsk.demo",
        ),
        (
            College,
            "Владимирский авиамеханический колледж",
            "Владимир",
            "info@vamk.demo",
        ),
        (
            College,
            "Вязниковский технико-экономический колледж",
            "Вязники",
            "info@vtek.demo",
        ),
        (
            University,
            "Владимирский государственный университет (ВлГУ)",
            "Владимир",
            "info@vlsu.demo",
        ),
        (
            University,
            "Ковровская государственная технологическая академия (КГТА)",
            "Ковров",
            "info@kgta.demo",
        ),
        (
            College,
            "Медицинские колледжи области (сводно)",
            "Владимирская область",
            "health@colleges.demo",
        ),
        (
            College,
            "Педагогические колледжи области (сводно)",
            "Владимирская область",
            "education@colleges.demo",
        ),
        (
            College,
            "Колледжи сферы услуг и экономики (сводно)",
            "Владимирская область",
            "services@colleges.demo",
        ),
        (
            College,
            "IT-отделения колледжей области (сводно)",
            "Владимирская область",
            "it@colleges.demo",
        ),
        (
            College,
            "Транспортные колледжи области (сводно)",
            "Владимирская область",
            "transport@colleges.demo",
        ),
        (
            College,
            "Аграрные колледжи области (сводно)",
            "Владимирская область",
            "agro@colleges.demo",
        ),
        (
            College,
            "Строительные и энергетические колледжи (сводно)",
            "Владимирская область",
            "building@colleges.demo",
        ),
    ];
    let programs: Vec<ProgramSpec> = OFFERS
        .iter()
        .map(
            |(institution, profession, entry_grade, months, seats, targeted)| ProgramSpec {
                institution: *institution,
                profession: code(profession),
                second: None,
                entry_grade: *entry_grade,
                duration_months: *months,
                seats: *seats,
                targeted: *targeted,
                completion_rate: None,
            },
        )
        .collect();
    let institutions = institution_rows
        .iter()
        .enumerate()
        .map(|(k, (kind, name, town, email))| {
            let mut trained: Vec<usize> = programs
                .iter()
                .filter(|p| p.institution == k)
                .map(|p| p.profession)
                .collect();
            trained.sort_unstable();
            trained.dedup();
            InstitutionSpec {
                kind: *kind,
                name: (*name).into(),
                town: (*town).into(),
                email: (*email).into(),
                professions: trained,
            }
        })
        .collect();
    let enterprises = [
        ("«Красное Эхо»", "пос. Красное Эхо", GLASS),
        ("ООО «Гласс Декор»", "пос. Красный Октябрь", GLASS),
        ("«Магистраль ЛТД»", "Гусь-Хрустальный", GLASS),
        ("Гусевский стекольный завод", "Гусь-Хрустальный", GLASS),
        ("«ЭкспоГласс»", "Гусь-Хрустальный", GLASS),
        ("Опытный стекольный завод", "Гусь-Хрустальный", GLASS),
        ("«Русатом Стекловолокно»", "Владимирская область", GLASS),
        ("ПАО «Владимирский химический завод»", "Владимир", CHEMICALS),
        ("«Дау Изолан»", "Владимир", CHEMICALS),
        ("Завод им. В.А. Дегтярёва (ЗиД)", "Ковров", MACHINES),
        (
            "Ковровский электромеханический завод (КЭМЗ)",
            "Ковров",
            MACHINES,
        ),
        ("Ковровский механический завод (КМЗ)", "Ковров", MACHINES),
        ("ВНИИ «Сигнал»", "Ковров", MACHINES),
        ("«Точмаш»", "Владимир", MACHINES),
        ("Муромский машиностроительный завод", "Муром", MACHINES),
        ("Муромский завод трубопроводной арматуры", "Муром", MACHINES),
        (
            "Технопарк «Русклимат-ИКСЭл» (ОЭЗ «Владимир»)",
            "Киржач",
            MACHINES,
        ),
        ("Home Electro Systems", "Владимирская область", MACHINES),
        ("ГК «Аскона»", "Ковров", FURNITURE),
        (
            "Медицинские организации области (сводно)",
            "Владимирская область",
            HEALTH,
        ),
        (
            "Школы и детские сады области (сводно)",
            "Владимирская область",
            EDUCATION,
        ),
        (
            "Торговля, общепит и услуги (сводно)",
            "Владимирская область",
            SERVICES,
        ),
        (
            "IT-компании и IT-службы предприятий (сводно)",
            "Владимирская область",
            IT,
        ),
        (
            "Транспортные предприятия и автосервис (сводно)",
            "Владимирская область",
            TRANSPORT,
        ),
        (
            "Сельхозпредприятия области (сводно)",
            "Владимирская область",
            AGRICULTURE,
        ),
        (
            "Строительные и энергетические компании (сводно)",
            "Владимирская область",
            BUILDING,
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (name, town, cluster))| EnterpriseSpec {
        name: name.into(),
        town: town.into(),
        email: format!("hr{}@enterprise.demo", n + 1),
        cluster,
    })
    .collect();
    let demand_plans = PLANS
        .iter()
        .map(|(enterprise, profession, base, growth)| DemandPlan {
            enterprise: *enterprise,
            profession: code(profession),
            base: *base,
            growth: growth.to_vec(),
        })
        .collect();
    // Towns by their share of the region's schools; each leans to its industry.
    let towns: Vec<(&str, usize, usize)> = vec![
        ("Владимир", 30, CHEMICALS),
        ("Ковров", 14, MACHINES),
        ("Муром", 11, MACHINES),
        ("Гусь-Хрустальный", 7, GLASS),
        ("Александров", 6, MACHINES),
        ("Вязники", 5, FURNITURE),
        ("Кольчугино", 5, MACHINES),
        ("Киржач", 4, MACHINES),
        ("Петушки", 4, CHEMICALS),
        ("Собинка", 3, GLASS),
        ("Юрьев-Польский", 3, FURNITURE),
        ("Судогда", 3, GLASS),
        ("Меленки", 2, FURNITURE),
        ("Камешково", 3, MACHINES),
    ];
    let mut spread = Vec::new();
    for (town, schools, cluster) in towns {
        spread.extend(std::iter::repeat_n((town.to_string(), cluster), schools));
    }
    // Interleave so that any prefix of the schools covers the big towns first.
    let mut order: Vec<usize> = (0..spread.len()).collect();
    order.sort_by_key(|i| (i * 7919) % spread.len());
    let (towns, home_clusters) = order.into_iter().map(|i| spread[i].clone()).unzip();
    Catalogue {
        clusters,
        professions,
        institutions,
        enterprises,
        towns,
        home_clusters,
        home_lean: 0.05,
        programs,
        demand_plans,
        guidance: true,
    }
}

/// A demo user and the password to sign in with.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub role: Role,
    pub email: String,
    pub password: String,
    pub organization: Option<String>,
}

/// The demo's users other than the admin: role, email, password.
const DEMO_USERS: [(Role, &str, &str); 4] = [
    (Role::Analyst, "analyst@kadry.demo", "demo-analyst-pass"),
    (Role::School, "school@kadry.demo", "demo-school-pass"),
    (Role::College, "college@kadry.demo", "demo-college-pass"),
    (
        Role::Enterprise,
        "enterprise@kadry.demo",
        "demo-enterprise-pass",
    ),
];

/// Whether the database holds the demo: its analyst signs in there.
pub fn is_demo(conn: &mut DbConnection) -> anyhow::Result<bool> {
    Ok(users::find_by_email(conn, DEMO_USERS[0].1)?.is_some())
}

/// The demo's users as the database has them, with their passwords.
pub fn users(conn: &mut DbConnection) -> anyhow::Result<Vec<DemoUser>> {
    let mut found = Vec::new();
    for (role, email, password) in DEMO_USERS {
        let Some(user) = users::find_by_email(conn, email)? else {
            continue;
        };
        let organization = user
            .organization_id
            .map(|id| organizations::name_and_email(conn, id).map(|(name, _)| name))
            .transpose()?;
        found.push(DemoUser {
            role,
            email: email.into(),
            password: password.into(),
            organization,
        });
    }
    Ok(found)
}

/// One user of each role but admin, in the first school, the Gusev Glass
/// College and «Красное Эхо»; the admin comes from the bootstrap settings.
pub fn create_users(conn: &mut DbConnection, loaded: &Loaded) -> anyhow::Result<Vec<DemoUser>> {
    let organizations = [
        None,
        loaded.schools.first().copied(),
        loaded.institutions.first().copied(),
        loaded.enterprises.first().copied(),
    ];
    let wanted = DEMO_USERS
        .iter()
        .zip(organizations)
        .map(|((role, email, password), organization)| (*role, *email, *password, organization));
    let mut users = Vec::new();
    for (role, email, password, organization_id) in wanted {
        let hash =
            crate::auth::password::hash(&Password::parse(password).map_err(anyhow::Error::msg)?)?;
        users::insert(
            conn,
            &users::NewUser {
                email,
                password_hash: Some(&hash),
                role,
                organization_id,
            },
        )?;
        let organization = organization_id
            .map(|id| organizations::name_and_email(conn, id).map(|(name, _)| name))
            .transpose()?;
        users.push(DemoUser {
            role,
            email: email.into(),
            password: password.into(),
            organization,
        });
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ProfessionCode, specialty_code};

    #[test]
    fn the_catalogue_is_well_formed() {
        let catalogue = vladimir();
        // The region's four clusters, then the fields of its other colleges.
        assert_eq!(catalogue.clusters.len(), 11);
        assert!(catalogue.clusters[1].name.contains("Стеклоград"));
        for profession in &catalogue.professions {
            assert!(ProfessionCode::parse(&profession.code).is_ok());
            assert!(specialty_code(&profession.code).is_ok());
            assert!(profession.cluster < catalogue.clusters.len());
        }
        for institution in &catalogue.institutions {
            assert!(!institution.professions.is_empty(), "{}", institution.name);
        }
        assert_eq!(catalogue.towns.len(), 100);
        assert_eq!(catalogue.towns.len(), catalogue.home_clusters.len());
        assert!(
            catalogue
                .enterprises
                .iter()
                .any(|e| e.name.contains("Красное Эхо"))
        );
        for program in &catalogue.programs {
            assert!(program.institution < catalogue.institutions.len());
            assert!([9, 11].contains(&program.entry_grade));
            assert!((0..=program.seats).contains(&program.targeted));
            let university =
                catalogue.institutions[program.institution].kind == OrganizationKind::University;
            assert!(!university || program.entry_grade == 11);
        }
        for plan in &catalogue.demand_plans {
            assert!(plan.enterprise < catalogue.enterprises.len());
            assert!(plan.base >= 5.0);
        }
        // Every profession a plan names is one some program trains.
        for plan in &catalogue.demand_plans {
            assert!(
                catalogue
                    .programs
                    .iter()
                    .any(|p| p.profession == plan.profession),
                "{}",
                catalogue.professions[plan.profession].code
            );
        }
    }
}
