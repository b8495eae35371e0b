//! The tables, in types every backend shares (BigInt ids, Text, Integer, Timestamp in UTC).

diesel::table! {
    clusters (id) {
        id -> BigInt,
        name -> Text,
        industry -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    professions (id) {
        id -> BigInt,
        code -> Text,
        title -> Text,
        cluster_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> BigInt,
        kind -> Text,
        name -> Text,
        town -> Text,
        email -> Text,
        created_at -> Timestamp,
        aggregate -> Bool,
    }
}

diesel::table! {
    organization_clusters (organization_id, cluster_id) {
        organization_id -> BigInt,
        cluster_id -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Nullable<Text>,
        role -> Text,
        organization_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        disabled -> Bool,
        token_version -> Integer,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        action -> Text,
        changes -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (email) {
        email -> Text,
        failures -> Integer,
        first_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(professions -> clusters (cluster_id));
diesel::joinable!(organization_clusters -> organizations (organization_id));
diesel::joinable!(organization_clusters -> clusters (cluster_id));
diesel::joinable!(users -> organizations (organization_id));

diesel::table! {
    programs (id) {
        id -> BigInt,
        institution_id -> BigInt,
        specialty_code -> Text,
        title -> Text,
        entry_grade -> Integer,
        duration_months -> Integer,
        completion_rate -> Nullable<Double>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    program_professions (program_id, profession_id) {
        program_id -> BigInt,
        profession_id -> BigInt,
        share -> Double,
    }
}

diesel::table! {
    program_intakes (program_id, year) {
        program_id -> BigInt,
        year -> Integer,
        seats -> Integer,
        targeted_seats -> Integer,
    }
}

diesel::table! {
    program_enrollments (program_id, start_year) {
        program_id -> BigInt,
        start_year -> Integer,
        students -> Integer,
    }
}

diesel::table! {
    pupils (id) {
        id -> BigInt,
        school_id -> BigInt,
        external_ref -> Text,
        grade -> Integer,
        academic_year -> Integer,
        consent -> Bool,
        display_name -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pupil_interests (id) {
        id -> BigInt,
        pupil_id -> BigInt,
        profession_id -> Nullable<BigInt>,
        cluster_id -> Nullable<BigInt>,
        weight -> Double,
        grade -> Integer,
        academic_year -> Integer,
        share -> Double,
    }
}

diesel::table! {
    demand (id) {
        id -> BigInt,
        enterprise_id -> BigInt,
        profession_id -> BigInt,
        year -> Integer,
        headcount -> Integer,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(programs -> organizations (institution_id));
diesel::joinable!(program_professions -> programs (program_id));
diesel::joinable!(program_professions -> professions (profession_id));
diesel::joinable!(program_intakes -> programs (program_id));
diesel::joinable!(program_enrollments -> programs (program_id));
diesel::joinable!(pupils -> organizations (school_id));
diesel::joinable!(pupil_interests -> pupils (pupil_id));
diesel::joinable!(demand -> organizations (enterprise_id));
diesel::joinable!(demand -> professions (profession_id));

diesel::allow_tables_to_appear_in_same_query!(
    clusters,
    professions,
    organizations,
    organization_clusters,
    users,
    login_throttle,
    audit_log,
    programs,
    program_professions,
    program_intakes,
    program_enrollments,
    pupils,
    pupil_interests,
    demand,
    events,
    event_professions,
    event_registrations,
    web_sessions,
);

// A per-connection temporary table (created by `pupils::update_many_in_transaction`,
// not by a migration) through which a roster's updates reach `pupils` in one statement.
diesel::table! {
    roster_updates (pupil_id) {
        pupil_id -> BigInt,
        external_ref -> Text,
        grade -> Integer,
        academic_year -> Integer,
        consent -> Bool,
        display_name -> Nullable<Text>,
    }
}

diesel::table! {
    forecast_parameter_values (name) {
        name -> Text,
        value -> Double,
        low -> Double,
        high -> Double,
    }
}

diesel::table! {
    grade_counts (school_id, academic_year, grade) {
        school_id -> BigInt,
        academic_year -> Integer,
        grade -> Integer,
        pupils -> Integer,
    }
}

diesel::table! {
    pupil_cohorts (school_id, grade, academic_year) {
        school_id -> BigInt,
        grade -> Integer,
        academic_year -> Integer,
        pupils -> BigInt,
    }
}

diesel::table! {
    program_graduations (program_id, year) {
        program_id -> BigInt,
        year -> Integer,
        graduates -> Integer,
        targeted_graduates -> Integer,
    }
}

diesel::table! {
    program_destinations (program_id, graduation_year) {
        program_id -> BigInt,
        graduation_year -> Integer,
        employed_in_profession -> Integer,
        employed_in_profession_targeted -> Integer,
        employed_other -> Integer,
        continued_study -> Integer,
        military_service -> Integer,
        left_region -> Integer,
        unknown -> Integer,
    }
}

diesel::table! {
    pupil_masses (grade, academic_year, target_kind, target_id) {
        grade -> Integer,
        academic_year -> Integer,
        target_kind -> Text,
        target_id -> BigInt,
        pupils -> Double,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    shortages (profession_id, year) {
        profession_id -> BigInt,
        year -> Integer,
    }
}

diesel::table! {
    shortage_checks (id) {
        id -> Integer,
        checked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        organizer_id -> BigInt,
        title -> Text,
        kind -> Text,
        starts_at -> Timestamp,
        capacity -> Integer,
        registered -> Integer,
        min_grade -> Integer,
        hours -> Double,
        cancelled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_professions (event_id, profession_id) {
        event_id -> BigInt,
        profession_id -> BigInt,
    }
}

diesel::table! {
    event_registrations (event_id, pupil_id) {
        event_id -> BigInt,
        pupil_id -> BigInt,
        school_id -> BigInt,
        attended -> Bool,
        registered_at -> Timestamp,
        code -> Text,
    }
}

diesel::joinable!(event_registrations -> events (event_id));

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        token_version -> Integer,
        csrf -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::joinable!(web_sessions -> users (user_id));

diesel::table! {
    pupil_counts (school_id, grade, target_kind, target_id) {
        school_id -> BigInt,
        grade -> Integer,
        target_kind -> Text,
        target_id -> BigInt,
        pupils -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> BigInt,
        idempotency_key -> Text,
        fingerprint -> Text,
        answer -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(idempotency_keys -> users (user_id));

diesel::table! {
    data_generation (id) {
        id -> Integer,
        generation -> BigInt,
    }
}

diesel::table! {
    published_forecasts (id) {
        id -> BigInt,
        title -> Text,
        as_of -> Integer,
        from_year -> Integer,
        to_year -> Integer,
        published_at -> Timestamp,
        published_by -> Nullable<BigInt>,
        generation -> BigInt,
        answer -> Text,
    }
}
