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

diesel::allow_tables_to_appear_in_same_query!(
    clusters,
    professions,
    organizations,
    organization_clusters,
    users,
    login_throttle,
);
