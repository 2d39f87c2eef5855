//! The corpus: Spanish descriptions written for issue 22, with the draft expected from each
//! (read in [`super::corpus::context`]: 7 December 2026). Some phrasings are beyond the parser on
//! purpose; they count as misses. Descriptions are expected as written, without quantity, price
//! or connectors, and without explicit date ranges. Prices are final (IVA included) unless the
//! text says "+ IVA" or the voucher is an A; class C items carry no rate (`@-`).

use super::corpus::{Case, M, R, c};

/// The corpus.
pub const CASES: &[Case] = &[
    c(
        "Factura para Juan Pérez por 3 horas de consultoría a $5000/hora",
        R,
        "type=6|concept=2|name=juan perez|doc=99:0|iva=5|items=3x4132.23@21|desc=horas de consultoria",
    ),
    c(
        "Factura B a Juan Pérez DNI 30.111.222 por 3 horas de consultoría a $5000/hora + IVA",
        R,
        "type=6|concept=2|name=juan perez|doc=96:30111222|iva=5|items=3x5000.00@21|desc=horas de consultoria",
    ),
    c(
        "Factura A para Acme SA por desarrollo de software $120.000 + IVA",
        R,
        "type=1|concept=2|name=acme sa|doc=80:30708889993|iva=1|items=1x120000.00@21|desc=desarrollo de software",
    ),
    c(
        "Factura C a consumidor final por 2 cajas de tornillos a $1.500 c/u",
        M,
        "type=11|concept=1|doc=99:0|iva=5|items=2x1500.00@-|desc=cajas de tornillos",
    ),
    c(
        "factura a Estudio Contable Ruiz SRL, honorarios de octubre, $250.000 más IVA",
        R,
        "type=1|concept=2|name=estudio contable ruiz srl|doc=80:30712345671|iva=1|items=1x250000.00@21|desc=honorarios de octubre|period=2026-10-01..2026-10-31",
    ),
    c(
        "Nota de crédito de la factura B 0001-00000042 para María Gómez por $12.100",
        R,
        "type=8|concept=1|name=maria gomez|doc=96:28456789|iva=5|items=1x10000.00@21|assoc=6:1-42|problems=item_description_required",
    ),
    c(
        "NC A 0003-00000120 a Acme SA, devolución de 2 monitores a USD 150 c/u, cotización 1050",
        R,
        "type=3|concept=1|name=acme sa|doc=80:30708889993|iva=1|items=2x150.00@21|desc=monitores|currency=DOL@1050|assoc=1:3-120",
    ),
    c(
        "Facturale a María Gómez 5 clases de inglés a 8 mil cada una",
        R,
        "type=6|concept=2|name=maria gomez|doc=96:28456789|iva=5|items=5x6611.57@21|desc=clases de ingles",
    ),
    c(
        "Factura B consumidor final, 1 notebook $850.000 IVA incluido",
        R,
        "type=6|concept=1|doc=99:0|iva=5|items=1x702479.34@21|desc=notebook",
    ),
    c(
        "Factura A CUIT 20-29876543-9 responsable inscripto, mantenimiento mensual de servidores noviembre $90.000 + IVA, vence el 20/12",
        R,
        "type=1|concept=2|doc=80:20298765439|iva=1|items=1x90000.00@21|desc=mantenimiento mensual de servidores noviembre|period=2026-11-01..2026-11-30|due=2026-12-20",
    ),
    c(
        "Factura A a CUIT 20298765438 por asesoramiento $50000 + IVA",
        R,
        "type=1|concept=2|doc=80:|iva=1|items=1x50000.00@21|desc=asesoramiento|problems=invalid_cuit",
    ),
    c(
        "Factura A a consumidor final por $10.000",
        R,
        "type=1|concept=1|doc=99:0|iva=5|items=1x10000.00@21|problems=item_description_required,letter_not_allowed_for_receiver,receiver_cuit_required",
    ),
    c("   ", R, "problems=empty_text"),
    c(
        "Factura para Pedro por trabajos varios",
        R,
        "type=6|concept=2|name=pedro|doc=99:0|iva=5",
    ),
    c(
        "Factura B para Lucía Fernández, 2 cajas de yerba a $4.500 c/u y 3 paquetes de café a $6.000 c/u",
        R,
        "type=6|concept=1|name=lucia fernandez|doc=99:0|iva=5|items=2x3719.01@21;3x4958.68@21|desc=cajas de yerba;paquetes de cafe",
    ),
    c(
        "Factura C por 10 horas de clases particulares a $3000 la hora, octubre",
        M,
        "type=11|concept=2|doc=99:0|iva=5|items=10x3000.00@-|desc=horas de clases particulares|period=2026-10-01..2026-10-31",
    ),
    c(
        "Factura de USD 1.200 a Acme SA por servicios de consultoría de noviembre, tipo de cambio 1.050,50",
        R,
        "type=1|concept=2|name=acme sa|doc=80:30708889993|iva=1|items=1x1200.00@21|desc=servicios de consultoria de noviembre|currency=DOL@1050.5|period=2026-11-01..2026-11-30",
    ),
    c(
        "Hacé una factura a nombre de Carlos Díaz, DNI 25.123.456, por la venta de una bicicleta en $320.000",
        R,
        "type=6|concept=1|name=carlos diaz|doc=96:25123456|iva=5|items=1x264462.81@21|desc=venta de una bicicleta",
    ),
    c(
        "Factura B 5 remeras x $12.000 para Sofía Torres",
        R,
        "type=6|concept=1|name=sofia torres|doc=99:0|iva=5|items=5x9917.36@21|desc=remeras",
    ),
    c(
        "Factura por $ 45.000 en concepto de honorarios profesionales, vencimiento 15/01/2027",
        R,
        "type=6|concept=2|doc=99:0|iva=5|items=1x37190.08@21|desc=honorarios profesionales|due=2027-01-15",
    ),
    c(
        "Factura C, cliente Martín Ruiz, diseño de logo, 5 mil pesos",
        M,
        "type=11|concept=2|name=martin ruiz|doc=99:0|iva=5|items=1x5000.00@-|desc=diseno de logo",
    ),
    c(
        "factura b por 2 horas de soporte técnico a $7.500 + iva para Gómez Hnos",
        R,
        "type=6|concept=2|name=gomez hnos|doc=99:0|iva=5|items=2x7500.00@21|desc=horas de soporte tecnico",
    ),
    c(
        "Necesito facturar 3 sesiones de terapia de $20.000 cada una a Laura Méndez, consumidora final",
        R,
        "type=6|concept=2|name=laura mendez|doc=99:0|iva=5|items=3x16528.93@21|desc=sesiones de terapia",
    ),
    c(
        "Factura A para Panadería La Espiga, 20 docenas de facturas a $9.000 la docena + IVA",
        R,
        "type=1|concept=1|name=panaderia la espiga|doc=80:27315554441|iva=6|items=20x9000.00@21|desc=docenas de facturas",
    ),
    c(
        "Factura B por servicio de limpieza del 1/11 al 30/11, $180.000, vence 10/12",
        R,
        "type=6|concept=2|doc=99:0|iva=5|items=1x148760.33@21|desc=servicio de limpieza|period=2026-11-01..2026-11-30|due=2026-12-10",
    ),
    c(
        "Factura a Acme SA: 4 licencias anuales a USD 300 c/u + IVA, TC 1.000",
        R,
        "type=1|concept=1|name=acme sa|doc=80:30708889993|iva=1|items=4x300.00@21|desc=licencias anuales|currency=DOL@1000",
    ),
    c(
        "Factura C para Ana López por 1 torta de cumpleaños $25.000",
        M,
        "type=11|concept=1|name=ana lopez|doc=99:0|iva=5|items=1x25000.00@-|desc=torta de cumpleanos",
    ),
    c(
        "factura por 2.5 kg de queso a $8.400 el kilo",
        R,
        "type=6|concept=1|doc=99:0|iva=5|items=2.5x6942.15@21|desc=kg de queso",
    ),
    c(
        "Factura B para Roberto Sánchez por reparación de heladera $60.000 con IVA, pagar antes del 20/12",
        R,
        "type=6|concept=2|name=roberto sanchez|doc=99:0|iva=5|items=1x49586.78@21|desc=reparacion de heladera|due=2026-12-20",
    ),
    c(
        "Nota de débito B de la factura B 0002-00001234 por intereses por mora $3.500",
        R,
        "type=7|concept=2|doc=99:0|iva=5|items=1x2892.56@21|desc=intereses por mora|assoc=6:2-1234",
    ),
    c(
        "Factura por 100 dólares a Acme SA por hosting de diciembre",
        R,
        "type=1|concept=2|name=acme sa|doc=80:30708889993|iva=1|items=1x100.00@21|desc=hosting de diciembre|currency=DOL|period=2026-12-01..2026-12-31",
    ),
    c(
        "u$s 500 por traducción de un contrato para Acme SA, cotización $1.020",
        R,
        "type=1|concept=2|name=acme sa|doc=80:30708889993|iva=1|items=1x500.00@21|desc=traduccion de un contrato|currency=DOL@1020",
    ),
    c(
        "Factura B a Diego Romero DNI 33444555 por 4 clases de guitarra, total $32.000",
        R,
        "type=6|concept=2|name=diego romero|doc=96:33444555|iva=5|items=4x6611.57@21|desc=clases de guitarra",
    ),
    c(
        "Factura C a Kiosco El Sol por 50 alfajores a $900 c/u",
        M,
        "type=11|concept=1|name=kiosco el sol|doc=99:0|iva=5|items=50x900.00@-|desc=alfajores",
    ),
    c(
        "Factura A a Estudio Contable Ruiz SRL por 12 horas de auditoría a $15.000 + IVA la hora",
        R,
        "type=1|concept=2|name=estudio contable ruiz srl|doc=80:30712345671|iva=1|items=12x15000.00@21|desc=horas de auditoria",
    ),
    c(
        "Factura B, consumidor final, 3 x $2.500 pizzas",
        R,
        "type=6|concept=1|doc=99:0|iva=5|items=3x2066.12@21|desc=pizzas",
    ),
    c(
        "Factura C para Julieta Paz por clases de yoga del mes pasado, $40.000",
        M,
        "type=11|concept=2|name=julieta paz|doc=99:0|iva=5|items=1x40000.00@-|desc=clases de yoga del mes pasado|period=2026-11-01..2026-11-30",
    ),
    c(
        "Factura B por 1.234,56 pesos de insumos",
        R,
        "type=6|concept=1|doc=99:0|iva=5|items=1x1020.30@21|desc=insumos",
    ),
    c(
        "Factura a nombre de Gabriela Ortiz, CUIL 27-31555444-1, por 2 horas de masajes a $12.000",
        R,
        "type=6|concept=2|name=gabriela ortiz|doc=86:27315554441|iva=5|items=2x9917.36@21|desc=horas de masajes",
    ),
    c(
        "FACTURA B - JUAN PEREZ - 2 HORAS DE CLASE - $10.000",
        R,
        "type=6|concept=2|name=juan perez|doc=99:0|iva=5|items=2x4132.23@21|desc=horas de clase",
    ),
    c(
        "Factura para Sergio Gil por $ 5.000",
        R,
        "type=6|concept=1|name=sergio gil|doc=99:0|iva=5|items=1x4132.23@21|problems=item_description_required",
    ),
    c(
        "Factura C: abono mensual de internet diciembre 2026 $15.999,99",
        M,
        "type=11|concept=2|doc=99:0|iva=5|items=1x15999.99@-|desc=abono mensual de internet diciembre 2026|period=2026-12-01..2026-12-31",
    ),
    c(
        "Emitir factura B a Tomás Vega por 3 noches de alojamiento a $45.000 la noche",
        R,
        "type=6|concept=2|name=tomas vega|doc=99:0|iva=5|items=3x37190.08@21|desc=noches de alojamiento",
    ),
    c(
        "Factura A para CUIT 30-68123456-6, 10 resmas A4 a $7.000 + IVA",
        R,
        "type=1|concept=1|doc=80:30681234566|iva=1|items=10x7000.00@21|desc=resmas a4",
    ),
    c(
        "factura c juan perez 3 clases 15000",
        M,
        "type=11|concept=2|name=juan perez|doc=99:0|iva=5|items=3x5000.00@-|desc=clases",
    ),
    c(
        "Factura B por 1 hora de consultoría a 5000 pesos, vence el 31/12/2026",
        R,
        "type=6|concept=2|doc=99:0|iva=5|items=1x4132.23@21|desc=hora de consultoria|due=2026-12-31",
    ),
    c(
        "Factura C a Patricia Luna por media docena de empanadas $6.000",
        M,
        "type=11|concept=1|name=patricia luna|doc=99:0|iva=5|items=1x6000.00@-|desc=media docena de empanadas",
    ),
    c(
        "Factura B a Ricardo Núñez DNI 20.456.789 por alquiler de noviembre $350.000, vence el 10/12",
        R,
        "type=6|concept=2|name=ricardo nunez|doc=96:20456789|iva=5|items=1x289256.20@21|desc=alquiler de noviembre|period=2026-11-01..2026-11-30|due=2026-12-10",
    ),
    c(
        "Factura por 2 pares de zapatillas a $85.000 c/u, 10,5% de IVA",
        R,
        "type=6|concept=1|doc=99:0|iva=5|items=2x76923.08@10.5|desc=pares de zapatillas",
    ),
    c(
        "Factura A a Acme SA por 100 kg de harina a $1.200 el kg, IVA 10,5%",
        R,
        "type=1|concept=1|name=acme sa|doc=80:30708889993|iva=1|items=100x1200.00@10.5|desc=kg de harina",
    ),
    c(
        "Factura C por honorarios médicos $80.000, paciente Elena Castro",
        M,
        "type=11|concept=2|name=elena castro|doc=99:0|iva=5|items=1x80000.00@-|desc=honorarios medicos",
    ),
    c(
        "Factura A a Juan Pérez monotributista CUIT 20-17456789-2 por 5 horas de programación a $20.000 + IVA",
        R,
        "type=1|concept=2|name=juan perez|doc=80:20174567892|iva=6|items=5x20000.00@21|desc=horas de programacion",
    ),
    c(
        "Factura B exento CUIT 30-71234567-1 por 1 servicio de catering $500.000",
        R,
        "type=6|concept=2|doc=80:30712345671|iva=4|items=1x413223.14@21|desc=servicio de catering",
    ),
    c(
        "Factura B para Martina Sosa por curso de fotografía, 4 encuentros de $15.000",
        R,
        "type=6|concept=2|name=martina sosa|doc=99:0|iva=5|items=4x12396.69@21|desc=curso de fotografia",
    ),
    c(
        "Factura B a Consumidor Final por $ 150.000 de mercadería varia",
        R,
        "type=6|concept=1|doc=99:0|iva=5|items=1x123966.94@21|desc=mercaderia varia",
    ),
    c(
        "Factura para María Gómez por 2 clases de pilates, $9.000 c/u, vence 20/12",
        R,
        "type=6|concept=2|name=maria gomez|doc=96:28456789|iva=5|items=2x7438.02@21|desc=clases de pilates|due=2026-12-20",
    ),
    c(
        "Factura C a Acme SA por consultoría $100.000",
        M,
        "type=11|concept=2|name=acme sa|doc=80:30708889993|iva=1|items=1x100000.00@-|desc=consultoria",
    ),
    c(
        "Factura A a Acme SA por consultoría $100.000",
        M,
        "type=1|concept=2|name=acme sa|doc=80:30708889993|iva=1|items=1x100000.00@21|desc=consultoria|problems=letter_not_allowed_for_issuer",
    ),
    c(
        "Nota de crédito C de la factura C 00005-00000077 por devolución de 1 silla $30.000",
        M,
        "type=13|concept=1|doc=99:0|iva=5|items=1x30000.00@-|desc=devolucion de 1 silla|assoc=11:5-77",
    ),
    c(
        "Factura B del 1 al 15 de noviembre por guardias de enfermería, 15 guardias a $30.000",
        R,
        "type=6|concept=2|doc=99:0|iva=5|items=15x24793.39@21|desc=guardias|period=2026-11-01..2026-11-15",
    ),
    c(
        "Facturá 3 horas de diseño gráfico a Paula Ríos a $6.000/h",
        R,
        "type=6|concept=2|name=paula rios|doc=99:0|iva=5|items=3x4958.68@21|desc=horas de diseno grafico",
    ),
    c(
        "Factura B a Sabrina Paz por servicio de mudanza: $ 95.500,50",
        R,
        "type=6|concept=2|name=sabrina paz|doc=99:0|iva=5|items=1x78926.03@21|desc=servicio de mudanza",
    ),
    c(
        "Factura B por 10k de publicidad en redes",
        R,
        "type=6|concept=2|doc=99:0|iva=5|items=1x8264.46@21|desc=publicidad en redes",
    ),
    c(
        "Factura C para Hugo Benítez 2 cortes de pelo a 7000 c/u",
        M,
        "type=11|concept=2|name=hugo benitez|doc=99:0|iva=5|items=2x7000.00@-|desc=cortes de pelo",
    ),
    c(
        "Factura B a Consumidor final DNI 40.123.456 por una hora de clase de apoyo $8.000",
        R,
        "type=6|concept=2|doc=96:40123456|iva=5|items=1x6611.57@21|desc=hora de clase de apoyo",
    ),
    c(
        "nota de credito a 0001-00000500 Acme SA anulación total $242.000",
        R,
        "type=3|concept=1|name=acme sa|doc=80:30708889993|iva=1|items=1x200000.00@21|desc=anulacion total|assoc=1:1-500",
    ),
    c(
        "Factura A para Acme SA por 3 unidades de disco SSD a USD 80 + IVA c/u, cotización BNA 1.040",
        R,
        "type=1|concept=1|name=acme sa|doc=80:30708889993|iva=1|items=3x80.00@21|desc=unidades de disco ssd|currency=DOL@1040",
    ),
];
