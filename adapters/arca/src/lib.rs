//! ARCA WSAA + WSFEv1 client and simulator (work in progress).
