/**
 * The web server for the static client and the node's JSON endpoints: pure request parsing,
 * routing and headers ({@code Router}, {@code RequestTarget}, {@code StaticFiles},
 * {@code SecurityHeaders}) behind a thin Netty adapter ({@code HttpRequestHandler}).
 */
package dev.switchboard.node.web;
