"""The private PostgreSQL + PostGIS test cluster (tests/pg_cluster.py, conftest's pg_cluster)."""
import pytest

psycopg2 = pytest.importorskip("psycopg2")


def test_service_connects_to_postgis(pg_cluster):
    with psycopg2.connect("service=lep_test") as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), inet_server_addr()::text, inet_server_port(), "
                    "postgis_full_version()")
        dbname, addr, port, version = cur.fetchone()
    conn.close()
    assert dbname == "lep"
    assert addr == "127.0.0.1/32" and port == pg_cluster.port
    assert version.startswith('POSTGIS="3.')
    assert pg_cluster.start_seconds < 30


def test_login_role_connects_with_conninfo(pg_cluster):
    admin = psycopg2.connect(pg_cluster.conninfo())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("CREATE ROLE lep_reviewer LOGIN")
    try:
        with psycopg2.connect(pg_cluster.conninfo(user="lep_reviewer")) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_user, ST_AsText(ST_Buffer('POINT(0 0)'::geometry, 1, 1))")
            user, buffered = cur.fetchone()
        conn.close()
        assert user == "lep_reviewer"
        assert buffered.startswith("POLYGON((1 0,")
    finally:
        with admin.cursor() as cur:
            cur.execute("DROP ROLE lep_reviewer")
        admin.close()


def test_listens_on_loopback_only(pg_cluster):
    with psycopg2.connect(pg_cluster.conninfo()) as conn, conn.cursor() as cur:
        cur.execute("SHOW listen_addresses")
        assert cur.fetchone()[0] == "127.0.0.1"
        cur.execute("SHOW unix_socket_directories")
        assert cur.fetchone()[0] == pg_cluster.socket_dir
        cur.execute("SHOW fsync")
        assert cur.fetchone()[0] == "off"
    conn.close()
    assert pg_cluster.port != 5432
