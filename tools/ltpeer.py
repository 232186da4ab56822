#!/usr/bin/env python3
"""A libtorrent 2.0 peer for Swarmtone's interop tests (python3-libtorrent,
the library inside qBittorrent), on loopback only: no DHT, LSD, UPnP or
NAT-PMP, no tracker.

  ltpeer.py create FOLDER OUT.torrent hybrid|v2|v1
      makes a .torrent of FOLDER as libtorrent makes them (pad files,
      piece layers) and prints its magnet link.
  ltpeer.py seed|fetch TORRENT SAVE_DIR PORT [PEER_HOST:PORT ...]
      listens on 127.0.0.1:PORT, prints "listening PORT", then seeds the
      files under SAVE_DIR (seed) or downloads them there from the peers
      given (fetch), printing "complete" once every piece is verified.
      Runs until killed; exits 1 with the error on a torrent error.
"""
import sys
import time

import libtorrent as lt


def create(folder, out, kind):
    fs = lt.file_storage()
    lt.add_files(fs, folder)
    flags = {"hybrid": 0, "v2": lt.create_torrent.v2_only, "v1": lt.create_torrent.v1_only}[kind]
    ct = lt.create_torrent(fs, 64 * 1024, flags=flags)
    parent = folder.rstrip("/").rsplit("/", 1)[0] or "."
    lt.set_piece_hashes(ct, parent)
    data = lt.bencode(ct.generate())
    with open(out, "wb") as f:
        f.write(data)
    print(lt.make_magnet_uri(lt.torrent_info(data)), flush=True)


def run(mode, torrent, save_dir, port, peers):
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:%d" % port,
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification
        | lt.alert.category_t.peer_notification | lt.alert.category_t.connect_notification,
    })
    atp = lt.add_torrent_params()
    atp.ti = lt.torrent_info(torrent)
    atp.save_path = save_dir
    if mode == "seed":
        atp.flags |= lt.torrent_flags.seed_mode
    h = ses.add_torrent(atp)
    print("listening %d" % ses.listen_port(), flush=True)
    for p in peers:
        host, _, pport = p.rpartition(":")
        h.connect_peer((host, int(pport)))
    told = False
    resumed = False  # a seed accepts peers only once resumed after its check
    deadline = time.time() + 600  # a test kills it long before
    while time.time() < deadline:
        for a in ses.pop_alerts():
            print("alert %s" % a.message(), file=sys.stderr, flush=True)  # for a failed test's log
            if isinstance(a, lt.torrent_resumed_alert):
                resumed = True
            if isinstance(a, lt.torrent_error_alert):
                print("error %s" % a.message(), file=sys.stderr, flush=True)
                sys.exit(1)
        st = h.status()
        if not told and st.is_seeding and (resumed if mode == "seed" else st.total_wanted_done == st.total_wanted):
            print("complete", flush=True)
            told = True
        if mode == "fetch" and not st.is_seeding and not told:
            for p in peers:  # redial: our node may not be listening yet
                host, _, pport = p.rpartition(":")
                h.connect_peer((host, int(pport)))
        time.sleep(0.2)


def main(argv):
    if len(argv) >= 4 and argv[0] == "create":
        create(argv[1], argv[2], argv[3])
    elif len(argv) >= 4 and argv[0] in ("seed", "fetch"):
        run(argv[0], argv[1], argv[2], int(argv[3]), argv[4:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
