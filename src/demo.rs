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
    Catalogue, ClusterSpec, EnterpriseSpec, InstitutionSpec, Loaded, ProfessionSpec,
};

const MACHINES: usize = 0;
const GLASS: usize = 1;
const CHEMICALS: usize = 2;
const FURNITURE: usize = 3;

/// The region's clusters, professions (by specialty code), colleges,
/// universities, enterprises and towns.
pub fn vladimir() -> Catalogue {
    let clusters = [
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
    ]
    .into_iter()
    .map(|(name, industry)| ClusterSpec {
        name: name.into(),
        industry: industry.into(),
    })
    .collect();
    let professions: Vec<ProfessionSpec> = [
        ("15.01.32", "Оператор станков с программным управлением", MACHINES),
        ("15.01.38", "Оператор-наладчик металлообрабатывающих станков", MACHINES),
        ("15.02.15", "Технология металлообрабатывающего производства", MACHINES),
        ("15.02.16", "Технология машиностроения", MACHINES),
        ("15.02.17", "Монтаж, техническое обслуживание и ремонт промышленного оборудования", MACHINES),
        ("15.02.06", "Монтаж и эксплуатация холодильно-компрессорных машин и установок", MACHINES),
        ("08.02.07", "Монтаж и эксплуатация внутренних сантехнических устройств, кондиционирования воздуха и вентиляции", MACHINES),
        ("13.01.10", "Электромонтёр по ремонту и обслуживанию электрооборудования", MACHINES),
        ("22.02.06", "Сварочное производство", MACHINES),
        ("27.02.03", "Автоматика и телемеханика на транспорте", MACHINES),
        ("09.02.07", "Информационные системы и программирование", MACHINES),
        ("18.02.05", "Производство тугоплавких неметаллических и силикатных материалов и изделий (стекло)", GLASS),
        ("18.02.12", "Технология аналитического контроля химических соединений", CHEMICALS),
        ("18.01.34", "Лаборант по контролю качества сырья, реактивов и готовой продукции", CHEMICALS),
        ("35.02.03", "Технология деревообработки", FURNITURE),
    ]
    .into_iter()
    .map(|(code, title, cluster)| ProfessionSpec { code: code.into(), title: title.into(), cluster })
    .collect();
    let code = |wanted: &str| {
        professions
            .iter()
            .position(|p| p.code == wanted)
            .unwrap_or(0)
    };
    let institution = |kind, name: &str, town: &str, email: &str, codes: &[&str]| InstitutionSpec {
        kind,
        name: name.into(),
        town: town.into(),
        email: email.into(),
        professions: codes.iter().map(|c| code(c)).collect(),
    };
    use OrganizationKind::{College, University};
    let institutions = vec![
        institution(
            College,
            "ГАПОУ ВО «Гусевской стекольный колледж им. Г.Ф. Чехлова»",
            "Гусь-Хрустальный",
            "info@gsk.demo",
            &["18.02.05", "18.02.12", "18.01.34"],
        ),
        institution(
            College,
            "Энергомеханический колледж КГТА им. В.А. Дегтярёва",
            "Ковров",
            "emk@kgta.demo",
            &["15.02.16", "15.01.38", "15.02.17", "13.01.10"],
        ),
        institution(
            College,
            "Владимирский химико-механический колледж",
            "Владимир",
            "info@vhmk.demo",
            &["18.02.12", "15.02.17"],
        ),
        institution(
            College,
            "Петушинский промышленно-гуманитарный колледж",
            "Петушки",
            "info@ppgk.demo",
            &["18.01.34", "13.01.10"],
        ),
        institution(
            College,
            "Муромская государственная инженерно-техническая академия",
            "Муром",
            "info@mgita.demo",
            &["15.02.16", "15.01.32", "15.02.15"],
        ),
        institution(
            College,
            "Ковровский транспортный колледж",
            "Ковров",
            "info@ktk.demo",
            &["27.02.03", "13.01.10"],
        ),
        institution(
            College,
            "Владимирский политехнический колледж",
            "Владимир",
            "info@vpk.demo",
            &["15.02.15", "15.02.17"],
        ),
        institution(
            College,
            "Владимирский индустриальный колледж",
            "Владимир",
            "info@vik.demo",
            &["22.02.06", "15.01.32", "15.01.38"],
        ),
        institution(
            College,
            "Владимирский строительный колледж",
            "Владимир",
            "info@vsk.demo",
            &["08.02.07", "15.02.06"],
        ),
        institution(
            College,
            "Владимирский авиамеханический колледж",
            "Владимир",
            "info@vamk.demo",
            &["15.02.16", "15.01.32"],
        ),
        institution(
            College,
            "Вязниковский технико-экономический колледж",
            "Вязники",
            "info@vtek.demo",
            &["35.02.03", "09.02.07"],
        ),
        institution(
            University,
            "Владимирский государственный университет (ВлГУ)",
            "Владимир",
            "info@vlsu.demo",
            &["09.02.07", "15.02.16", "18.02.12", "15.02.06"],
        ),
        institution(
            University,
            "Ковровская государственная технологическая академия (КГТА)",
            "Ковров",
            "info@kgta.demo",
            &["15.02.16", "13.01.10", "15.01.32"],
        ),
    ];
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

/// One user of each role but admin, in the first school, the Gusev Glass
/// College and «Красное Эхо»; the admin comes from the bootstrap settings.
pub fn create_users(conn: &mut DbConnection, loaded: &Loaded) -> anyhow::Result<Vec<DemoUser>> {
    let wanted = [
        (
            Role::Analyst,
            "analyst@kadry.demo",
            "demo-analyst-pass",
            None,
        ),
        (
            Role::School,
            "school@kadry.demo",
            "demo-school-pass",
            loaded.schools.first().copied(),
        ),
        (
            Role::College,
            "college@kadry.demo",
            "demo-college-pass",
            loaded.institutions.first().copied(),
        ),
        (
            Role::Enterprise,
            "enterprise@kadry.demo",
            "demo-enterprise-pass",
            loaded.enterprises.first().copied(),
        ),
    ];
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
        assert_eq!(catalogue.clusters.len(), 4);
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
    }
}
