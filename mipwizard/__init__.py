"""mipwizard: install and look after the Medical Informatics Platform (MIP) on microk8s."""

__version__ = "0.1.0"
