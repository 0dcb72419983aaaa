//! The accept loop, plain TCP or TLS: HTTP/1.1 per connection with a header read timeout
//! (a client that opens a connection and sends nothing, or half a request head, is cut
//! off; an idle keep-alive connection too), and a graceful stop that closes idle
//! connections and lets requests in flight finish.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long a stop waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => continue,
            },
        };
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        match &tls {
            None => serve_connection(tcp, peer, router, header_read_timeout, &graceful),
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    // A client that never finishes the handshake does not hold a task.
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(HANDSHAKE, acceptor.accept(tcp)).await
                    else {
                        return;
                    };
                    let connection = builder(header_read_timeout)
                        .serve_connection(TokioIo::new(stream), service(router, peer));
                    let _ = watcher.watch(connection).await;
                });
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

fn builder(header_read_timeout: Duration) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    builder
}

fn service(
    router: Router,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        request
            .extensions_mut()
            .insert(ConnectInfo::<SocketAddr>(peer));
        router.clone().oneshot(request.map(axum::body::Body::new))
    })
}

fn serve_connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
    graceful: &GracefulShutdown,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let connection =
        builder(header_read_timeout).serve_connection(TokioIo::new(io), service(router, peer));
    let watched = graceful.watch(connection);
    tokio::spawn(async move {
        let _ = watched.await;
    });
}
